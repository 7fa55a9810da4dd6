package main

import (
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// dialTimeout bounds one readiness probe's connection attempt to the (local) upstream.
const dialTimeout = time.Second

// probes answers /_/health and /_/ready.
// of-watchdog 0.11.6 (pkg/watchdog.go, pkg/readiness.go) answers both with 200 as soon as it has started and
// written its lock file, without looking at the upstream, unless ready_path is set. The stand-in also requires
// the upstream to accept TCP connections, so a replica is only routed to once its wrapper listens.
type probes struct {
	accepting    atomic.Bool // false before start and once shutdown begins
	upstreamAddr string      // host:port
	limit        *inflight
	readyPath    string
	proxy        http.Handler // used for ready_path, bypassing the limiter as of-watchdog does
}

func (p *probes) upstreamUp() bool {
	conn, err := net.DialTimeout("tcp", p.upstreamAddr, dialTimeout)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func (p *probes) live() bool {
	return p.accepting.Load() && p.upstreamUp()
}

// Health: 200 "OK" when live, 503 otherwise; only GET (405 else).
func (p *probes) Health(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if !p.live() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("OK"))
}

// Ready: 503 when not live, 429 when max_inflight is reached, then either the upstream's answer on
// ready_path or an empty 200; only GET (405 else). Same order as of-watchdog's readiness handler.
func (p *probes) Ready(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method != http.MethodGet:
		w.WriteHeader(http.StatusMethodNotAllowed)
	case !p.live():
		w.WriteHeader(http.StatusServiceUnavailable)
	case p.limit.Full():
		w.WriteHeader(http.StatusTooManyRequests)
	case p.readyPath != "":
		ready := r.Clone(r.Context())
		ready.RequestURI = p.readyPath
		ready.URL.Path, ready.URL.RawPath, ready.URL.RawQuery = p.readyPath, "", ""
		p.proxy.ServeHTTP(w, ready)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// hostPort gives the address to dial for an http URL, adding the default port when it has none.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port)
}
