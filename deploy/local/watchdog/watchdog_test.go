package main

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

func TestHealthAndReadyWaitForTheUpstream(t *testing.T) {
	r := startReplica(t, "UPSTREAM_DELAY_MS=1500", "prefix_logs=true")
	first := 0
	r.waitFor("watchdog answering", func() bool { first = r.status("/_/health"); return first != 0 })
	if first != http.StatusServiceUnavailable {
		t.Fatalf("before the upstream listens /_/health = %d, want 503", first)
	}
	if got := r.status("/_/ready"); got != http.StatusServiceUnavailable {
		t.Fatalf("before the upstream listens /_/ready = %d, want 503", got)
	}
	r.waitHealthy()
	if got := r.status("/_/ready"); got != http.StatusOK {
		t.Fatalf("/_/ready = %d, want 200", got)
	}
	res, err := r.client.Post(r.url("/_/health"), "text/plain", nil)
	if err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /_/health: %v %v", res, err)
	}
	// prefix_logs=true: each forwarded line carries date, time and stream name.
	r.waitFor("child stdout forwarded with prefix", func() bool { return r.stdout.has(" stdout: upstream: hello stdout\n") })
	r.waitFor("child stderr forwarded with prefix", func() bool { return r.stderr.has(" stderr: upstream: hello stderr\n") })
}

func TestProxyKeepsTheRequestAndStreamsTheResponse(t *testing.T) {
	r := startReplica(t)
	r.waitHealthy()
	if !r.stdout.has("upstream: hello stdout\n") || r.stdout.has("stdout: upstream") {
		t.Fatalf("prefix_logs=false should forward lines verbatim, got %q", r.stdout)
	}

	req, _ := http.NewRequest(http.MethodPost, r.url("/echo?x=1"), strings.NewReader("hello"))
	req.Header.Set("X-Call-Id", "call-1")
	req.Host = "fn.example"
	res, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var seen struct {
		Method, URI, Host, CallID, Body string
		TransferEncoding                []string
	}
	decode(t, res, &seen)
	if seen.Method != "POST" || seen.URI != "/echo?x=1" || seen.Host != "fn.example" || seen.CallID != "call-1" || seen.Body != "hello" {
		t.Fatalf("upstream saw %+v", seen)
	}
	// Like the real of-watchdog, the body goes upstream chunked even though the caller sent a length.
	if strings.Join(seen.TransferEncoding, ",") != "chunked" {
		t.Fatalf("transfer encoding upstream = %v, want chunked", seen.TransferEncoding)
	}
	if res.Header.Get("X-Upstream") != "yes" || res.Header.Get("X-Duration-Seconds") == "" {
		t.Fatalf("response headers: %v", res.Header)
	}

	res, err = r.client.Get(r.url("/stream"))
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
		t.Fatal("the first chunk did not arrive before the upstream finished: the response is buffered")
	}
	if _, err := r.client.Get(r.upstreamURL("/release")); err != nil {
		t.Fatal(err)
	}
	if rest, _ := io.ReadAll(lines); string(rest) != "second\n" {
		t.Fatalf("rest %q", rest)
	}
}

func TestBufferedBodyIsSentWithALength(t *testing.T) {
	r := startReplica(t, "http_buffer_req_body=true")
	r.waitHealthy()
	res, err := r.client.Post(r.url("/echo"), "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	var seen struct {
		ContentLength    int64
		TransferEncoding []string
	}
	decode(t, res, &seen)
	if seen.ContentLength != 5 || len(seen.TransferEncoding) != 0 {
		t.Fatalf("upstream saw %+v", seen)
	}
}

func TestExecTimeoutAnswers504AndCancelsTheUpstream(t *testing.T) {
	r := startReplica(t, "exec_timeout=1s")
	r.waitHealthy()
	start := time.Now()
	res, err := r.client.Get(r.url("/sleep?ms=10000"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusGatewayTimeout || res.Header.Get("X-OpenFaaS-Internal") != "of-watchdog" {
		t.Fatalf("got %d %v, want 504 from of-watchdog", res.StatusCode, res.Header)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("504 took %s", took)
	}
	r.waitFor("upstream request cancelled", func() bool { return r.stdout.has("upstream: request cancelled") })

	// X-Timeout shortens exec_timeout for one request.
	req, _ := http.NewRequest(http.MethodGet, r.url("/sleep?ms=5000"), nil)
	req.Header.Set("X-Timeout", "200ms")
	start = time.Now()
	res, err = r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusGatewayTimeout || time.Since(start) > 900*time.Millisecond {
		t.Fatalf("X-Timeout: %d after %s", res.StatusCode, time.Since(start))
	}
}

func TestMaxInflightAnswers429(t *testing.T) {
	r := startReplica(t, "max_inflight=1")
	r.waitHealthy()
	blocked := make(chan string, 1)
	go func() {
		res, err := r.client.Get(r.url("/block"))
		if err != nil {
			blocked <- err.Error()
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		blocked <- string(body)
	}()
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
	if got := <-blocked; got != "released" {
		t.Fatalf("blocked request: %q", got)
	}
	r.waitFor("/_/ready back to 200", func() bool { return r.status("/_/ready") == http.StatusOK })
	if got := r.status("/echo"); got != http.StatusOK {
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

func TestWatchdogExitsWhenTheFunctionExits(t *testing.T) {
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

func TestSigtermDrainsInFlightThenStopsTheFunction(t *testing.T) {
	r := startReplica(t, "write_timeout=10s")
	r.waitHealthy()
	done := make(chan int, 1)
	go func() {
		res, err := r.client.Get(r.url("/block"))
		if err != nil {
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
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
	if got := <-done; got != http.StatusOK {
		t.Fatalf("in-flight request finished with %d, want 200", got)
	}
	if code := r.exitCode(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	if !r.stdout.has("upstream: got SIGTERM") {
		t.Fatal("the function did not get SIGTERM")
	}
}

func TestBadConfigurationExitsNamingTheKey(t *testing.T) {
	r := startReplica(t, "mode=streaming")
	if code := r.exitCode(5 * time.Second); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if !r.stderr.has("env mode:") {
		t.Fatalf("stderr does not name the key: %q", r.stderr)
	}
}

func TestVersion(t *testing.T) {
	self, _ := os.Executable()
	cmd := exec.Command(self, "--version")
	cmd.Env = append(os.Environ(), "BATON_WATCHDOG_TEST_ROLE=watchdog")
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != version {
		t.Fatalf("--version: %q %v", out, err)
	}
}

func decode(t *testing.T, res *http.Response, into any) {
	t.Helper()
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(into); err != nil {
		t.Fatal(err)
	}
}
