package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Instance is a PostgreSQL server of a test's own, in a temporary
// directory on a free port, that the test may stop and start again: for
// outage tests, which must not stop the PostgreSQL others share.
type Instance struct {
	t       testing.TB
	bin     string
	dir     string // data directory
	log     string
	port    int
	running bool
	cred    *syscall.Credential // whom to run as; nil for the current user
	// DSN reaches the instance's "postgres" database as its superuser.
	DSN string
}

// StartInstance initializes and starts a private PostgreSQL server, which
// is stopped and removed when the test ends. It skips the test, saying
// why, when no PostgreSQL server binaries are installed. As root (CI) the
// server runs as the "postgres" system user, since initdb refuses root.
func StartInstance(t testing.TB) *Instance {
	t.Helper()
	bin := serverBinaries()
	if bin == "" {
		t.Skip("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH, so the private-instance test is skipped; install the postgresql package (.ci/run does)")
	}
	in := &Instance{t: t, bin: bin}
	base, err := os.MkdirTemp("", "fdpg-")
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(base)
			t.Skipf("running as root and there is no postgres system user to run a private PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		in.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(base, uid, gid); err != nil {
			os.RemoveAll(base)
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		in.stop("immediate")
		os.RemoveAll(base)
	})
	in.dir, in.log = filepath.Join(base, "data"), filepath.Join(base, "server.log")
	in.port = freePort(t)
	in.run("initdb", "-D", in.dir, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--no-instructions")
	// fsync off: the data need not survive a machine crash, only a stop of
	// the server, and the shared disk stays quiet. Commits stay synchronous,
	// so a commit the service saw survives an immediate stop.
	conf := fmt.Sprintf("\nport = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = off\nfull_page_writes = off\n", in.port, base)
	f, err := os.OpenFile(filepath.Join(in.dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	in.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", in.port)
	in.Start()
	return in
}

// Start starts the server (again) and waits until it accepts connections.
func (in *Instance) Start() {
	in.t.Helper()
	in.run("pg_ctl", "start", "-w", "-t", "60", "-D", in.dir, "-l", in.log)
	in.running = true
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", in.DSN)
	if err != nil {
		in.t.Fatal(err)
	}
	defer db.Close()
	for {
		err := db.PingContext(ctx)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			in.t.Fatalf("private PostgreSQL did not accept connections after starting: %v\n%s", err, in.serverLog())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the server the way a crash or a kill would (pg_ctl's
// immediate mode: every connection is cut, nothing is flushed politely).
func (in *Instance) Stop() {
	in.t.Helper()
	in.stop("immediate")
}

func (in *Instance) stop(mode string) {
	if !in.running {
		return
	}
	in.run("pg_ctl", "stop", "-w", "-m", mode, "-D", in.dir)
	in.running = false
}

// run runs one of the server's programs as the user the server runs as.
func (in *Instance) run(name string, args ...string) {
	in.t.Helper()
	cmd := exec.Command(filepath.Join(in.bin, name), args...)
	cmd.Dir = os.TempDir() // the postgres user may not enter the test's directory
	if in.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: in.cred}
		cmd.Env = append(os.Environ(), "HOME="+os.TempDir())
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		in.t.Fatalf("%s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, out, in.serverLog())
	}
}

// serverLog is the tail of the server's log, for a failure message.
func (in *Instance) serverLog() string {
	b, _ := os.ReadFile(in.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// serverBinaries finds the directory of the newest installed PostgreSQL
// server programs, or "".
func serverBinaries() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if d := filepath.Dir(p); isExecutable(filepath.Join(d, "pg_ctl")) {
			return d
		}
	}
	return ""
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&0o111 != 0
}

// freePort asks the kernel for a port nobody listens on.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
