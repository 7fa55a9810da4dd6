package main

import (
	"net/http"
	"sync/atomic"
)

// probes answers /_/health and /_/ready as of-watchdog 0.11.6 does (pkg/watchdog.go, pkg/readiness.go): 200 once
// the server listens and its lock file is present, without looking at the upstream (unless ready_path is set);
// 503 before that, once SIGTERM has removed the lock file, or whenever someone else removed it.
type probes struct {
	accepting atomic.Bool // false before start and once shutdown begins
	lock      *lockFile
	limit     *inflight
	readyPath string
	proxy     http.Handler // used for ready_path, bypassing the limiter as of-watchdog does
}

func (p *probes) live() bool {
	return p.accepting.Load() && p.lock.present()
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
