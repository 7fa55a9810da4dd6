package main

import (
	"fmt"
	"net/http"
	"sync/atomic"
)

// inflight counts requests being proxied and enforces max_inflight the way of-watchdog's concurrency
// limiter (faas-middleware) does: a request over the limit is answered 429 at once, never queued.
type inflight struct {
	max   int64 // 0 = unlimited
	count atomic.Int64
}

// Full reports whether the limit is reached, which /_/ready answers with 429.
func (l *inflight) Full() bool {
	return l.max > 0 && l.count.Load() >= l.max
}

// Count is the number of requests in flight, for the shutdown log.
func (l *inflight) Count() int64 {
	return l.count.Load()
}

// Wrap limits next; the 429's headers and body are faas-middleware's, so callers see the same answer.
func (l *inflight) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := l.count.Add(1)
		defer l.count.Add(-1)
		if l.max > 0 && n > l.max {
			w.Header().Add("Content-Type", "text/plain")
			w.Header().Add("X-OpenFaaS-Internal", "faas-middleware")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprintf(w, "Concurrent request limit exceeded. Max concurrent requests: %d\n", l.max)
			return
		}
		next.ServeHTTP(w, r)
	})
}
