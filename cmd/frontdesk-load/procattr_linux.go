package main

import "syscall"

// childAttr has the kernel kill a replica if the tool dies without cleaning
// up (SIGKILL, a panic in another goroutine), so no server outlives a run.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
