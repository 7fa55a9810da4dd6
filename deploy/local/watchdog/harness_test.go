package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// targetEnv names a watchdog binary to hold to the contract instead of the stand-in built from these sources:
// `BATON_WATCHDOG_BIN=/path/to/of-watchdog npm run test:watchdog`.
const targetEnv = "BATON_WATCHDOG_BIN"

// target is the watchdog under test: the binary in $BATON_WATCHDOG_BIN, run as a black box, or by default this
// test binary, which plays the stand-in (see TestMain).
func target(t *testing.T) (path string, standIn bool) {
	t.Helper()
	if bin := os.Getenv(targetEnv); bin != "" {
		// A bare name is looked up on PATH; a relative path would be relative to this package's folder.
		found, err := exec.LookPath(bin)
		if err != nil {
			t.Fatalf("%s=%s: %v (give an absolute path or a name on PATH)", targetEnv, bin, err)
		}
		abs, err := filepath.Abs(found)
		if err != nil {
			t.Fatal(err)
		}
		return abs, false
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return self, true
}

// standInOnly skips a test of behaviour that Baton's stand-in adds or changes on purpose (README.md, "Deliberate
// differences"), when the suite runs against another binary.
func standInOnly(t *testing.T) {
	t.Helper()
	if _, standIn := target(t); !standIn {
		t.Skipf("stand-in behaviour, not part of of-watchdog's contract (%s is set)", targetEnv)
	}
}

// replica is one watchdog process with its upstream child (this test binary in the role "upstream").
type replica struct {
	t            *testing.T
	cmd          *exec.Cmd
	tmp          string // its $TMPDIR, where the lock file goes
	port         int
	upstreamPort int
	stdout       *syncBuffer
	stderr       *syncBuffer
	exited       chan struct{}
	client       *http.Client
}

// startReplica runs the watchdog under test in its own process group (so cleanup can kill it and its child
// together even when a test fails half-way) with a $TMPDIR of its own (so its lock file is its own), free ports,
// and this test binary as the function process. Later env entries override earlier ones; "{upstream_port}" in
// one stands for the function's port. healthcheck_interval is
// short (of-watchdog's default is write_timeout, and 0 would make it wait forever on SIGTERM).
func startReplica(t *testing.T, env ...string) *replica {
	t.Helper()
	bin, _ := target(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{t: t, tmp: t.TempDir(), port: freePort(t), upstreamPort: freePort(t), stdout: &syncBuffer{}, stderr: &syncBuffer{},
		exited: make(chan struct{}), client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	r.cmd = exec.Command(bin)
	r.cmd.Env = append(os.Environ(), "TMPDIR="+r.tmp,
		"BATON_WATCHDOG_TEST_ROLE=watchdog", "mode=http", "prefix_logs=false", "healthcheck_interval=100ms",
		fmt.Sprintf("port=%d", r.port), fmt.Sprintf("http_port=%d", r.upstreamPort),
		fmt.Sprintf("upstream_url=http://127.0.0.1:%d", r.upstreamPort), "fprocess="+self+" upstream")
	for _, e := range env {
		r.cmd.Env = append(r.cmd.Env, strings.ReplaceAll(e, "{upstream_port}", fmt.Sprint(r.upstreamPort)))
	}
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

// lockFile is where the watchdog writes its lock file: $TMPDIR/.lock.
func (r *replica) lockFile() string { return filepath.Join(r.tmp, ".lock") }

// waitUpstream waits until the function process answers on its own port.
func (r *replica) waitUpstream() {
	r.t.Helper()
	r.waitFor("upstream listening", func() bool {
		res, err := r.client.Get(r.upstreamURL("/custom-ready"))
		if err != nil {
			return false
		}
		res.Body.Close()
		return true
	})
}

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

// waitHealthy waits for /_/health to answer 200 and for the function process to listen: of-watchdog's health
// says nothing about the upstream, so requests sent before it listens would fail with 500.
// getLater sends a GET in the background; the channel gets "<status> <body>", or the error.
func (r *replica) getLater(path string) <-chan string {
	out := make(chan string, 1)
	go func() {
		res, err := r.client.Get(r.url(path))
		if err != nil {
			out <- err.Error()
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		out <- res.Status + " " + string(body)
	}()
	return out
}

func (r *replica) waitHealthy() {
	r.t.Helper()
	r.waitFor("watchdog healthy", func() bool { return r.status("/_/health") == http.StatusOK })
	r.waitUpstream()
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

func (b *syncBuffer) hasMatch(pattern string) bool {
	return regexp.MustCompile(pattern).MatchString(b.String())
}
