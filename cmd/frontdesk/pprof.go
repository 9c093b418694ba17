//go:build pprof

// Profiling for measurements only: a binary built with -tags pprof serves
// net/http/pprof on FRONTDESK_PPROF (a loopback address). Release builds
// leave it out, so no profile endpoint can ever face the internet.
package main

import (
	"log"
	"net/http"
	_ "net/http/pprof" // registers the handlers on http.DefaultServeMux
	"os"
	"time"
)

func init() {
	addr := os.Getenv("FRONTDESK_PPROF")
	if addr == "" {
		return
	}
	srv := &http.Server{Addr: addr, ReadHeaderTimeout: 5 * time.Second}
	go func() { log.Println(srv.ListenAndServe()) }()
}
