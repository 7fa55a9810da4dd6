package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// childStopGrace is how long the function process gets to exit after SIGTERM before it is killed.
const childStopGrace = 10 * time.Second

// run serves until the function process exits (exit status 1, as of-watchdog) or a SIGTERM/SIGINT asks for
// a graceful stop (exit status 0). It returns the process exit status.
func run(cfg Config) int {
	// Catch signals before the child exists, so an early SIGTERM still stops it instead of orphaning it.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)

	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		log.Printf("Error: env port: cannot listen on %d: %s", cfg.Port, err)
		return 1
	}
	fn, err := startChild(cfg)
	if err != nil {
		ln.Close()
		log.Printf("Error: %s", err)
		return 1
	}

	limit := &inflight{max: int64(cfg.MaxInflight)}
	fwd := newProxy(cfg)
	lock := newLockFile(cfg.SuppressLock)
	health := &probes{lock: lock, limit: limit, readyPath: cfg.ReadyPath, proxy: fwd}
	mux := http.NewServeMux()
	mux.Handle("/", limit.Wrap(fwd))
	mux.HandleFunc("/_/health", health.Health)
	mux.HandleFunc("/_/ready", health.Ready)
	srv := &http.Server{
		Handler:        mux,
		ReadTimeout:    cfg.ReadTimeout,
		WriteTimeout:   cfg.WriteTimeout,
		MaxHeaderBytes: 1 << 20,
	}

	log.Printf("Watchdog mode: %s\tfprocess: %q", cfg.Mode, cfg.FunctionProcess)
	log.Printf("Timeouts: read: %s write: %s hard: %s health: %s", cfg.ReadTimeout, cfg.WriteTimeout, cfg.ExecTimeout, cfg.HealthcheckInterval)
	log.Printf("Listening on port: %d", cfg.Port)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if err := lock.create(); err != nil {
		log.Printf("Error: cannot write %s. To disable lock-file set env suppress_lock=true: %s", lock.path, err)
		fn.stop(childStopGrace)
		return 1
	}
	health.accepting.Store(true)

	select {
	case <-fn.done:
		log.Printf("Forked function has terminated: %s", fn.exitDescription())
		return 1
	case err := <-served:
		log.Printf("Error ListenAndServe: %v", err)
		fn.stop(childStopGrace)
		return 1
	case sig := <-signals:
		shutdown(sig, cfg, srv, health, limit, fn)
		return 0
	}
}

// shutdown marks the replica unhealthy, optionally waits healthcheck_interval, stops accepting connections,
// lets in-flight requests finish for up to write_timeout, and only then stops the function process: unlike
// of-watchdog, which forwards SIGTERM to it at once, so requests in flight would lose their upstream.
func shutdown(sig os.Signal, cfg Config, srv *http.Server, health *probes, limit *inflight, fn *child) {
	health.accepting.Store(false)
	health.lock.remove()
	if cfg.HealthcheckInterval > 0 {
		log.Printf("%s: no new connections in %s", sig, cfg.HealthcheckInterval)
		time.Sleep(cfg.HealthcheckInterval)
	}
	log.Printf("%s: no new connections allowed, draining: %d requests (up to write_timeout %s)", sig, limit.Count(), cfg.WriteTimeout)

	ctx, cancel := context.WithTimeout(context.Background(), cfg.WriteTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Printf("Error in Shutdown: %v", err)
	}
	fn.stop(childStopGrace)
	log.Printf("Exiting. Active connections: %d; function process: %s", limit.Count(), fn.exitDescription())
}
