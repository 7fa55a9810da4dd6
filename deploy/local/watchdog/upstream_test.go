package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// runTestUpstream is a tiny function server for the integration tests. It listens on $http_port after
// $UPSTREAM_DELAY_MS, and tells the tests what happened through its stdout, which the watchdog forwards.
func runTestUpstream() {
	fmt.Println("upstream: hello stdout")
	fmt.Fprintln(os.Stderr, "upstream: hello stderr")

	// On SIGTERM it drains like a well-behaved function server: requests in flight finish, then it exits 0.
	// (of-watchdog passes SIGTERM on at once; the stand-in only after its own drain.)
	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("http_port")}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM)
	go func() {
		<-signals
		fmt.Println("upstream: got SIGTERM")
		_ = srv.Shutdown(context.Background())
		fmt.Println("upstream: drained")
		os.Exit(0)
	}()

	if ms, _ := strconv.Atoi(os.Getenv("UPSTREAM_DELAY_MS")); ms > 0 {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}

	var mu sync.Mutex
	release := make(chan struct{})
	waitRelease := func() chan struct{} { mu.Lock(); defer mu.Unlock(); return release }

	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Upstream", "yes")
		w.Header().Add("X-Reply", "one")
		w.Header().Add("X-Reply", "two")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "uri": r.RequestURI, "host": r.Host, "callId": r.Header.Get("X-Call-Id"),
			"multi": r.Header["X-Multi"], "transferEncoding": r.TransferEncoding, "contentLength": r.ContentLength,
			"body": string(body),
		})
	})
	mux.HandleFunc("/sleep", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		fmt.Println("upstream: sleeping")
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
			fmt.Fprint(w, "slept")
		case <-r.Context().Done():
			fmt.Println("upstream: request cancelled")
		}
	})
	mux.HandleFunc("/block", func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("upstream: blocking")
		<-waitRelease()
		fmt.Fprint(w, "released")
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		fmt.Fprint(w, "first\n")
		w.(http.Flusher).Flush()
		<-waitRelease()
		fmt.Fprint(w, "second\n")
	})
	mux.HandleFunc("/release", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		close(release)
		release = make(chan struct{})
		mu.Unlock()
	})
	mux.HandleFunc("/custom-ready", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("/exit", func(w http.ResponseWriter, r *http.Request) {
		go func() { time.Sleep(50 * time.Millisecond); os.Exit(3) }()
	})

	srv.Handler = mux
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "upstream:", err)
		os.Exit(2)
	}
	select {} // the SIGTERM goroutine exits once the drain is done
}
