package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

// proxy forwards a request to the function's HTTP server, like of-watchdog's HTTPFunctionRunner.Run
// (executor/http_runner.go in 0.11.6): same URL building, headers, timeout statuses and log lines.
type proxy struct {
	upstream    string // upstream_url as written; the request URI is appended to it
	client      *http.Client
	execTimeout time.Duration
	bufferBody  bool
	logCallID   bool
}

func newProxy(cfg Config) *proxy {
	return &proxy{
		upstream:    cfg.UpstreamURL.String(),
		client:      newUpstreamClient(cfg.ExecTimeout),
		execTimeout: cfg.ExecTimeout,
		bufferBody:  cfg.BufferHTTPBody,
		logCallID:   cfg.LogCallID,
	}
}

// newUpstreamClient never follows redirects (the caller gets them), keeps connections to the upstream alive
// and, unlike of-watchdog, neither uses HTTP_PROXY nor adds Accept-Encoding: the upstream is local, and the
// stand-in should not change what the caller and the function see.
func newUpstreamClient(dialTimeout time.Duration) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: 10 * time.Second}).DialContext,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   100,
			IdleConnTimeout:       500 * time.Millisecond,
			ExpectContinueTimeout: 1500 * time.Millisecond,
			DisableCompression:    true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer r.Body.Close()

	ctx, cancel := p.deadline(r)
	defer cancel() // also cancels the upstream request when the caller goes away

	out, err := p.upstreamRequest(ctx, r)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(err.Error()))
		return
	}

	res, err := p.client.Do(out)
	if err != nil {
		log.Printf("Upstream HTTP request error: %s", err)
		w.Header().Set("X-Duration-Seconds", seconds(time.Since(start)))
		w.Header().Add("X-OpenFaaS-Internal", "of-watchdog")
		if ctx.Err() != nil {
			log.Printf("Upstream HTTP killed due to exec_timeout: %s", p.execTimeout)
			w.WriteHeader(http.StatusGatewayTimeout)
		} else {
			w.WriteHeader(http.StatusInternalServerError)
		}
		return
	}
	defer res.Body.Close()

	for k, v := range res.Header {
		w.Header()[k] = append([]string(nil), v...)
	}
	w.Header().Set("X-Duration-Seconds", seconds(time.Since(start)))
	w.WriteHeader(res.StatusCode)
	copyBody := copyPlain
	if streaming(r) {
		copyBody = copyFlushing
	}
	if err := copyBody(w, res.Body); err != nil {
		log.Printf("Error copying response body: %s", err)
	}
	p.logRequest(r, res, time.Since(start))
}

// deadline applies exec_timeout, shortened per request by an X-Timeout header no longer than it.
// Requests for event streams or NDJSON get no deadline: of-watchdog sends those through a plain reverse
// proxy that does not apply exec_timeout.
func (p *proxy) deadline(r *http.Request) (context.Context, context.CancelFunc) {
	timeout := p.execTimeout
	if v := r.Header.Get("X-Timeout"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d <= timeout {
			timeout = d
		}
	}
	if streaming(r) {
		timeout = 0
	}
	if timeout <= 0 {
		return context.WithCancel(r.Context())
	}
	return context.WithTimeout(r.Context(), timeout)
}

// upstreamRequest copies method, URI, headers and Host. The body is streamed with an unknown length, so the
// upstream sees Transfer-Encoding: chunked exactly as behind the real of-watchdog. http_buffer_req_body reads
// it whole first but, as in of-watchdog 0.11.6 (whose io.NopCloser hides the buffer's length), still sends it
// chunked: a function server that cannot take chunked bodies fails here as it would in production.
func (p *proxy) upstreamRequest(ctx context.Context, r *http.Request) (*http.Request, error) {
	body := io.Reader(r.Body)
	if p.bufferBody {
		buf, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("reading request body: %w", err)
		}
		body = io.NopCloser(bytes.NewReader(buf))
	}
	out, err := http.NewRequestWithContext(ctx, r.Method, p.upstream+r.RequestURI, body)
	if err != nil {
		return nil, err
	}
	out.Header = r.Header.Clone()
	out.Host = r.Host
	return out, nil
}

// streaming is of-watchdog's requiresStdlibProxy: requests for event streams or NDJSON (or a WebSocket upgrade,
// which the stand-in does not support) go through a reverse proxy that flushes as the upstream writes, with no
// exec_timeout.
func streaming(r *http.Request) bool {
	accept := strings.ToLower(r.Header.Get("Accept"))
	return strings.Contains(accept, "text/event-stream") || strings.Contains(accept, "application/x-ndjson")
}

// copyPlain is of-watchdog's io.Copy for other requests: the server's write buffer holds small pieces until it
// fills or the response ends, so a function cannot rely on streaming without asking for it (Accept above).
func copyPlain(w http.ResponseWriter, src io.Reader) error {
	_, err := io.Copy(w, src)
	return err
}

// copyFlushing streams the upstream's body, flushing each piece so event streams reach the caller as they are
// written rather than when a buffer fills.
func copyFlushing(w http.ResponseWriter, src io.Reader) error {
	rc := http.NewResponseController(w)
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			_ = rc.Flush()
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// logRequest prints of-watchdog's access line; kubelet probes are not logged, as there.
func (p *proxy) logRequest(r *http.Request, res *http.Response, took time.Duration) {
	if strings.HasPrefix(r.UserAgent(), "kube-probe") {
		return
	}
	line := fmt.Sprintf("%s %s - %s - ContentLength: %s (%.4fs)", r.Method, r.RequestURI, res.Status, humanSize(res.ContentLength), took.Seconds())
	if p.logCallID {
		id := r.Header.Get("X-Call-Id")
		if id == "" {
			id = "none"
		}
		line += " [" + id + "]"
	}
	log.Print(line)
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%f", d.Seconds())
}

// humanSize formats a byte count with decimal units and four significant digits ("1.5kB"), like go-units.
func humanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	size, i := float64(n), 0
	for size >= 1000 && i < len(units)-1 {
		size /= 1000
		i++
	}
	return fmt.Sprintf("%.4g%s", size, units[i])
}
