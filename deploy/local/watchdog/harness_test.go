package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// replica is one watchdog process with its upstream child, started from the test binary.
type replica struct {
	t            *testing.T
	cmd          *exec.Cmd
	port         int
	upstreamPort int
	stdout       *syncBuffer
	stderr       *syncBuffer
	exited       chan struct{}
	client       *http.Client
}

// startReplica runs a watchdog in its own process group, so cleanup can kill it and its child together
// even when a test fails half-way.
func startReplica(t *testing.T, env ...string) *replica {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{t: t, port: freePort(t), upstreamPort: freePort(t), stdout: &syncBuffer{}, stderr: &syncBuffer{},
		exited: make(chan struct{}), client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	r.cmd = exec.Command(self)
	r.cmd.Env = append(os.Environ(),
		"BATON_WATCHDOG_TEST_ROLE=watchdog", "mode=http", "prefix_logs=false",
		fmt.Sprintf("port=%d", r.port), fmt.Sprintf("http_port=%d", r.upstreamPort),
		fmt.Sprintf("upstream_url=http://127.0.0.1:%d", r.upstreamPort), "fprocess="+self+" upstream")
	r.cmd.Env = append(r.cmd.Env, env...)
	r.cmd.Stdout, r.cmd.Stderr = r.stdout, r.stderr
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.cmd.Wait(); close(r.exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
		<-r.exited
		if t.Failed() {
			t.Logf("watchdog stdout:\n%s\nwatchdog stderr:\n%s", r.stdout, r.stderr)
		}
	})
	return r
}

func (r *replica) url(path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", r.port, path) }

func (r *replica) upstreamURL(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", r.upstreamPort, path)
}

// status GETs a path and returns the status code, or 0 when the watchdog does not answer.
func (r *replica) status(path string) int {
	res, err := r.client.Get(r.url(path))
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

func (r *replica) waitHealthy() {
	r.t.Helper()
	r.waitFor("watchdog healthy", func() bool { return r.status("/_/health") == http.StatusOK })
}

func (r *replica) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exitCode waits for the watchdog to exit and returns its status.
func (r *replica) exitCode(within time.Duration) int {
	r.t.Helper()
	select {
	case <-r.exited:
		return r.cmd.ProcessState.ExitCode()
	case <-time.After(within):
		r.t.Fatalf("watchdog still running after %s", within)
		return -1
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a process's output while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) has(s string) bool { return strings.Contains(b.String(), s) }
