package main

// The conformance suite: of-watchdog 0.11.6's mode=http contract, run against a watchdog binary as a black box
// (see harness_test.go: the stand-in by default, $BATON_WATCHDOG_BIN when set). Tests of the stand-in's own
// additions call standInOnly. Every replica gets free ports and a $TMPDIR of its own; of-watchdog's metrics port
// (8081) is fixed, so the tests run one at a time.

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestHealthAndReadyFollowTheLockFile(t *testing.T) {
	r := startReplica(t, "UPSTREAM_DELAY_MS=1500")
	r.waitFor("/_/health 200", func() bool { return r.status("/_/health") == http.StatusOK })
	if _, err := os.Stat(r.lockFile()); err != nil {
		t.Fatalf("healthy without a lock file in $TMPDIR: %v", err)
	}
	// Health says nothing of the upstream: a request before it listens is the watchdog's own 500.
	res, err := r.client.Get(r.url("/echo"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusInternalServerError || res.Header.Get("X-OpenFaaS-Internal") != "of-watchdog" {
		t.Fatalf("upstream not listening: %d %v, want 500 from of-watchdog", res.StatusCode, res.Header)
	}
	if got := r.status("/_/ready"); got != http.StatusOK {
		t.Fatalf("/_/ready = %d, want 200", got)
	}
	for _, path := range []string{"/_/health", "/_/ready"} {
		res, err := r.client.Post(r.url(path), "text/plain", nil)
		if err != nil || res.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("POST %s: %v %v, want 405", path, res, err)
		}
		res.Body.Close()
	}

	// Whoever removes the lock file takes the replica out of service.
	if err := os.Remove(r.lockFile()); err != nil {
		t.Fatal(err)
	}
	if h, rd := r.status("/_/health"), r.status("/_/ready"); h != http.StatusServiceUnavailable || rd != http.StatusServiceUnavailable {
		t.Fatalf("without the lock file: /_/health %d, /_/ready %d, want 503", h, rd)
	}
}

// suppress_lock=true: no lock file, so the probes answer 503 ("no automated health-checks"), while requests
// are still served.
func TestSuppressLockWritesNoLockFile(t *testing.T) {
	r := startReplica(t, "suppress_lock=true")
	r.waitFor("warning about suppress_lock", func() bool { return r.stderr.has(`"suppress_lock" is enabled`) })
	r.waitUpstream()
	if got := r.status("/echo"); got != http.StatusCreated {
		t.Fatalf("/echo = %d, want 201", got)
	}
	if h, rd := r.status("/_/health"), r.status("/_/ready"); h != http.StatusServiceUnavailable || rd != http.StatusServiceUnavailable {
		t.Fatalf("suppress_lock: /_/health %d, /_/ready %d, want 503", h, rd)
	}
	if _, err := os.Stat(r.lockFile()); !os.IsNotExist(err) {
		t.Fatalf("suppress_lock=true: lock file %v", err)
	}
}

// prefix_logs=true: date, time and stream name, and each stream stays on its own.
func TestLogsArePrefixed(t *testing.T) {
	r := startReplica(t, "prefix_logs=true")
	r.waitHealthy()
	r.waitFor("child stdout forwarded with prefix", func() bool {
		return r.stdout.hasMatch(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d stdout: upstream: hello stdout$`)
	})
	r.waitFor("child stderr forwarded with prefix", func() bool {
		return r.stderr.hasMatch(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d stderr: upstream: hello stderr$`)
	})
}

// One replica at a time: of-watchdog's metrics port is fixed.
func TestLogsAreVerbatimWithoutPrefix(t *testing.T) {
	r := startReplica(t) // prefix_logs=false
	r.waitHealthy()
	r.waitFor("child stdout forwarded", func() bool { return r.stdout.hasMatch(`(?m)^upstream: hello stdout$`) })
	r.waitFor("child stderr forwarded", func() bool { return r.stderr.hasMatch(`(?m)^upstream: hello stderr$`) })
}

func TestRequestAndResponsePassBothWays(t *testing.T) {
	r := startReplica(t)
	r.waitHealthy()
	req, _ := http.NewRequest(http.MethodPost, r.url("/echo?x=1&y=%2F"), strings.NewReader("hello"))
	req.Header.Set("X-Call-Id", "call-1")
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	req.Host = "fn.example"
	res, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var seen struct {
		Method, URI, Host, CallID, Body string
		Multi, TransferEncoding         []string
	}
	decode(t, res, http.StatusCreated, &seen)
	if seen.Method != "POST" || seen.URI != "/echo?x=1&y=%2F" || seen.Host != "fn.example" || seen.CallID != "call-1" ||
		seen.Body != "hello" || strings.Join(seen.Multi, ",") != "a,b" {
		t.Fatalf("upstream saw %+v", seen)
	}
	// The body goes upstream chunked even though the caller sent a length.
	if strings.Join(seen.TransferEncoding, ",") != "chunked" {
		t.Fatalf("transfer encoding upstream = %v, want chunked", seen.TransferEncoding)
	}
	if res.Header.Get("X-Upstream") != "yes" || strings.Join(res.Header.Values("X-Reply"), ",") != "one,two" || res.Header.Get("X-Duration-Seconds") == "" {
		t.Fatalf("response headers: %v", res.Header)
	}
	r.waitFor("access log line", func() bool { return r.stderr.has("POST /echo?x=1&y=%2F - 201 Created - ContentLength: ") })
}

func TestAliasesOverrideTheShortKeys(t *testing.T) {
	self, _ := os.Executable()
	r := startReplica(t, "fprocess=/nonexistent", "function_process="+self+" upstream",
		"upstream_url=http://127.0.0.1:1", "http_upstream_url=http://127.0.0.1:{upstream_port}")
	r.waitHealthy()
	if got := r.status("/echo"); got != http.StatusCreated {
		t.Fatalf("/echo = %d, want the upstream's 201", got)
	}
}

func TestEventStreamsAreFlushedAsWritten(t *testing.T) {
	r := startReplica(t, "exec_timeout=1s")
	r.waitHealthy()
	req, _ := http.NewRequest(http.MethodGet, r.url("/stream"), nil)
	req.Header.Set("Accept", "application/x-ndjson")
	res, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	lines := bufio.NewReader(res.Body)
	first := make(chan string, 1)
	go func() { line, _ := lines.ReadString('\n'); first <- line }()
	select {
	case line := <-first:
		if line != "first\n" {
			t.Fatalf("first line %q", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first line did not arrive before the upstream finished: the response is buffered")
	}
	// Streams get no exec_timeout: this one outlives it.
	time.Sleep(1200 * time.Millisecond)
	if _, err := r.client.Get(r.upstreamURL("/release")); err != nil {
		t.Fatal(err)
	}
	if rest, _ := io.ReadAll(lines); string(rest) != "second\n" {
		t.Fatalf("rest %q", rest)
	}
}

// http_buffer_req_body=true reads the body whole first, yet of-watchdog 0.11.6 still sends it chunked (the
// io.NopCloser around the buffer hides its length); the stand-in does the same, so a function server that cannot
// take chunked bodies fails on the local stack as it would in production.
func TestBufferedBodyArrivesWhole(t *testing.T) {
	r := startReplica(t, "http_buffer_req_body=true")
	r.waitHealthy()
	res, err := r.client.Post(r.url("/echo"), "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	var seen struct {
		TransferEncoding []string
		Body             string
	}
	decode(t, res, http.StatusCreated, &seen)
	if seen.Body != "hello" || strings.Join(seen.TransferEncoding, ",") != "chunked" {
		t.Fatalf("upstream saw %+v", seen)
	}
}

func TestExecTimeoutAnswers504AndCancelsTheUpstream(t *testing.T) {
	r := startReplica(t, "exec_timeout=1") // whole seconds, as of-watchdog also reads it
	r.waitHealthy()
	start := time.Now()
	res, err := r.client.Get(r.url("/sleep?ms=10000"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusGatewayTimeout || res.Header.Get("X-OpenFaaS-Internal") != "of-watchdog" || res.Header.Get("X-Duration-Seconds") == "" {
		t.Fatalf("got %d %v, want 504 from of-watchdog", res.StatusCode, res.Header)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("504 took %s", took)
	}
	r.waitFor("upstream request cancelled", func() bool { return r.stdout.has("upstream: request cancelled") })
	r.waitFor("timeout logged", func() bool { return r.stderr.has("Upstream HTTP killed due to exec_timeout: 1s") })

	// X-Timeout shortens exec_timeout for one request, never lengthens it.
	for _, c := range []struct {
		header string
		within time.Duration
	}{{"200ms", 900 * time.Millisecond}, {"1m", 2500 * time.Millisecond}} {
		req, _ := http.NewRequest(http.MethodGet, r.url("/sleep?ms=5000"), nil)
		req.Header.Set("X-Timeout", c.header)
		start = time.Now()
		res, err = r.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusGatewayTimeout || time.Since(start) > c.within {
			t.Fatalf("X-Timeout %s: %d after %s", c.header, res.StatusCode, time.Since(start))
		}
	}
}

func TestWriteTimeoutCutsTheResponse(t *testing.T) {
	r := startReplica(t, "write_timeout=1s", "exec_timeout=10s")
	r.waitHealthy()
	res, err := r.client.Get(r.url("/sleep?ms=2000"))
	if err == nil {
		body, readErr := io.ReadAll(res.Body)
		res.Body.Close()
		if readErr == nil {
			t.Fatalf("a response past write_timeout arrived: %d %q", res.StatusCode, body)
		}
	}
}

func TestMaxInflightAnswers429(t *testing.T) {
	r := startReplica(t, "max_inflight=1")
	r.waitHealthy()
	blocked := r.getLater("/block")
	r.waitFor("/_/ready to report the limit", func() bool { return r.status("/_/ready") == http.StatusTooManyRequests })

	res, err := r.client.Get(r.url("/echo"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("X-OpenFaaS-Internal") != "faas-middleware" ||
		string(body) != "Concurrent request limit exceeded. Max concurrent requests: 1\n" {
		t.Fatalf("over the limit: %d %v %q", res.StatusCode, res.Header, body)
	}
	if got := r.status("/_/health"); got != http.StatusOK {
		t.Fatalf("/_/health over the limit = %d, want 200", got)
	}

	if _, err := r.client.Get(r.upstreamURL("/release")); err != nil {
		t.Fatal(err)
	}
	if got := <-blocked; got != "200 OK released" {
		t.Fatalf("blocked request: %q", got)
	}
	r.waitFor("/_/ready back to 200", func() bool { return r.status("/_/ready") == http.StatusOK })
	if got := r.status("/echo"); got != http.StatusCreated {
		t.Fatalf("after release /echo = %d", got)
	}
}

func TestReadyPathIsProxied(t *testing.T) {
	r := startReplica(t, "ready_path=/custom-ready")
	r.waitHealthy()
	if got := r.status("/_/ready"); got != http.StatusAccepted {
		t.Fatalf("/_/ready = %d, want the upstream's 202", got)
	}
}

func TestWatchdogExitsWhenTheFunctionFails(t *testing.T) {
	r := startReplica(t)
	r.waitHealthy()
	_ = r.status("/exit")
	if code := r.exitCode(5 * time.Second); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if !r.stderr.has("Forked function has terminated: exit status 3") {
		t.Fatalf("no exit line in stderr")
	}
}

// SIGTERM: the lock file goes and the probes answer 503 for healthcheck_interval, requests in flight finish
// (up to write_timeout), the function gets SIGTERM, and the watchdog exits 0.
func TestSigtermDrainsInFlightRequests(t *testing.T) {
	r := startReplica(t, "write_timeout=10s", "healthcheck_interval=1s")
	r.waitHealthy()
	done := r.getLater("/sleep?ms=2500")
	r.waitFor("request in flight", func() bool { return r.stdout.has("upstream: sleeping") })
	started := time.Now()

	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r.waitFor("lock file removed", func() bool { _, err := os.Stat(r.lockFile()); return os.IsNotExist(err) })
	if got := r.status("/_/health"); got != http.StatusServiceUnavailable {
		t.Fatalf("/_/health during healthcheck_interval = %d, want 503", got)
	}
	if got := <-done; got != "200 OK slept" {
		t.Fatalf("in-flight request: %q, want 200 slept", got)
	}
	if code := r.exitCode(12 * time.Second); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	if took := time.Since(started); took < time.Second {
		t.Fatalf("exited %s after SIGTERM, before healthcheck_interval", took)
	}
	if !r.stdout.has("upstream: got SIGTERM") {
		t.Fatal("the function did not get SIGTERM")
	}
}

// The stand-in stops the function only once in-flight requests are done, so a function that does not drain
// by itself loses nothing (of-watchdog passes SIGTERM on at once).
func TestStandInSignalsTheFunctionAfterTheDrain(t *testing.T) {
	standInOnly(t)
	r := startReplica(t, "write_timeout=10s")
	r.waitHealthy()
	done := r.getLater("/block")
	r.waitFor("request in flight", func() bool { return r.stdout.has("upstream: blocking") })
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r.waitFor("new connections refused", func() bool { return r.status("/_/health") == 0 })
	time.Sleep(200 * time.Millisecond)
	if r.stdout.has("upstream: got SIGTERM") {
		t.Fatal("the function was stopped while a request was still in flight")
	}
	if _, err := r.client.Get(r.upstreamURL("/release")); err != nil {
		t.Fatal(err)
	}
	if got := <-done; got != "200 OK released" {
		t.Fatalf("in-flight request: %q, want 200 released", got)
	}
	if code := r.exitCode(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	r.waitFor("function stopped after the drain", func() bool { return r.stdout.has("upstream: got SIGTERM") })
}

// A configuration the watchdog cannot run with ends it with status 1 and says why.
func TestBadConfigurationExits1(t *testing.T) {
	cases := []struct {
		env, says   string
		standInOnly bool // of-watchdog would start in mode=streaming instead; the stand-in names the key
	}{
		{"write_timeout=0", "must be over 0s", false},
		{"mode=streaming", "env mode:", true},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			if c.standInOnly {
				standInOnly(t)
			}
			r := startReplica(t, c.env)
			if code := r.exitCode(5 * time.Second); code != 1 {
				t.Fatalf("exit code %d, want 1", code)
			}
			if !r.stderr.has(c.says) {
				t.Fatalf("stderr does not say %q: %q", c.says, r.stderr)
			}
		})
	}
}

func TestVersionFlag(t *testing.T) {
	bin, standIn := target(t)
	cmd := exec.Command(bin, "-version")
	cmd.Env = append(os.Environ(), "BATON_WATCHDOG_TEST_ROLE=watchdog")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("-version: %q %v", out, err)
	}
	if standIn && strings.TrimSpace(string(out)) != version {
		t.Fatalf("stand-in -version: %q, want %q", out, version)
	}
}

func decode(t *testing.T, res *http.Response, want int, into any) {
	t.Helper()
	defer res.Body.Close()
	if res.StatusCode != want {
		t.Fatalf("status %d, want %d", res.StatusCode, want)
	}
	if err := json.NewDecoder(res.Body).Decode(into); err != nil {
		t.Fatal(err)
	}
}
