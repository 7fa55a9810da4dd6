package main

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the watchdog configuration, read once at startup from the environment.
// Keys and defaults follow of-watchdog 0.11.6 (config/config.go); where of-watchdog silently falls back to a
// default on a malformed value, the stand-in refuses to start and names the key instead.
type Config struct {
	Mode            string        // only "http"
	Port            int           // port, default 8080
	FunctionProcess string        // fprocess (alias function_process)
	UpstreamURL     *url.URL      // upstream_url (alias http_upstream_url)
	ExecTimeout     time.Duration // exec_timeout, default 30s, 0 = no limit
	ReadTimeout     time.Duration // read_timeout, default 30s
	WriteTimeout    time.Duration // write_timeout, default 30s, must be > 0
	// HealthcheckInterval is how long /_/health and /_/ready answer 503 before the watchdog stops accepting
	// connections on SIGTERM. of-watchdog defaults it to write_timeout so kubelet can take the pod out of
	// its endpoints; the local supervisor stops routing by itself, so the stand-in waits only when it is set.
	HealthcheckInterval time.Duration
	MaxInflight         int    // max_inflight, 0 = unlimited
	PrefixLogs          bool   // prefix_logs, default true
	LogBufferSize       int    // log_buffer_size: longest log line in bytes, -1 = unlimited
	ReadyPath           string // ready_path: when set, /_/ready is proxied to this upstream path
	BufferHTTPBody      bool   // http_buffer_req_body (alias buffer_http)
	LogCallID           bool   // log_callid
	SuppressLock        bool   // suppress_lock: no lock file in $TMPDIR, the probes do not wait for one
}

const (
	defaultTimeout       = 30 * time.Second
	defaultPort          = 8080
	defaultLogBufferSize = 64 * 1024 // bufio.MaxScanTokenSize, of-watchdog's default
)

// ParseConfig builds the configuration from an environment list ("key=value" entries, as os.Environ gives).
// It is a pure function; every error names the environment key at fault.
func ParseConfig(env []string) (Config, error) {
	vars := envMap(env)
	p := parser{vars: vars}

	cfg := Config{
		Mode:                vars["mode"],
		FunctionProcess:     p.alias("fprocess", "function_process"),
		Port:                p.integer("port", defaultPort, 1, 65535),
		ExecTimeout:         p.duration("exec_timeout", defaultTimeout),
		ReadTimeout:         p.duration("read_timeout", defaultTimeout),
		WriteTimeout:        p.duration("write_timeout", defaultTimeout),
		HealthcheckInterval: p.duration("healthcheck_interval", 0),
		MaxInflight:         p.integer("max_inflight", 0, 0, 1<<31-1),
		PrefixLogs:          p.boolean("prefix_logs", true),
		LogBufferSize:       p.integer("log_buffer_size", defaultLogBufferSize, -1, 1<<31-1),
		ReadyPath:           vars["ready_path"],
		BufferHTTPBody:      p.flag("http_buffer_req_body") || p.flag("buffer_http"),
		LogCallID:           p.flag("log_callid"),
		SuppressLock:        p.flag("suppress_lock"),
	}

	switch cfg.Mode {
	case "http":
	case "":
		p.fail("mode", `is not set (of-watchdog would default to "streaming"); the Baton stand-in supports only mode=http`)
	default:
		p.fail("mode", fmt.Sprintf("%q is not supported by the Baton stand-in: only mode=http", cfg.Mode))
	}
	if cfg.FunctionProcess == "" {
		p.fail("fprocess", `is required: the command that starts the function's HTTP server (alias "function_process")`)
	}
	if cfg.WriteTimeout == 0 {
		p.fail("write_timeout", "must be over 0s")
	}
	if cfg.LogBufferSize == 0 {
		p.fail("log_buffer_size", "must be -1 (unlimited) or a positive number of bytes")
	}
	if cfg.ReadyPath != "" && !strings.HasPrefix(cfg.ReadyPath, "/") {
		p.fail("ready_path", fmt.Sprintf("%q must start with /", cfg.ReadyPath))
	}
	cfg.UpstreamURL = p.upstream(p.alias("upstream_url", "http_upstream_url"))

	return cfg, errors.Join(p.errs...)
}

// Process splits fprocess into a command and its arguments the way of-watchdog does: on every single space,
// with no quoting (so two spaces in a row yield an empty argument, as they would in production).
func (c Config) Process() (string, []string) {
	parts := strings.Split(c.FunctionProcess, " ")
	return parts[0], parts[1:]
}

// envMap turns "key=value" entries into a map; a later entry wins, as with of-watchdog's mapEnv.
func envMap(env []string) map[string]string {
	vars := make(map[string]string, len(env))
	for _, entry := range env {
		if key, value, ok := strings.Cut(entry, "="); ok && key != "" {
			vars[key] = value
		}
	}
	return vars
}

// parser reads typed values and collects one error per bad key, so a single start reports them all.
type parser struct {
	vars map[string]string
	errs []error
}

func (p *parser) fail(key, reason string) {
	p.errs = append(p.errs, fmt.Errorf("env %s: %s", key, reason))
}

// alias returns the value of the second key when it is set, else the first (of-watchdog lets the long
// names function_process and http_upstream_url override the short ones).
func (p *parser) alias(key, override string) string {
	if v, ok := p.vars[override]; ok {
		return v
	}
	return p.vars[key]
}

// duration accepts what of-watchdog accepts: a whole number of seconds ("30") or a Go duration ("1m30s").
// An empty value means the default, as in of-watchdog.
func (p *parser) duration(key string, fallback time.Duration) time.Duration {
	raw := p.vars[key]
	if raw == "" {
		return fallback
	}
	if secs, err := strconv.Atoi(raw); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 {
		p.fail(key, fmt.Sprintf("%q is not a duration: use seconds (30) or a Go duration (30s, 2m)", raw))
		return fallback
	}
	return d
}

func (p *parser) integer(key string, fallback, min, max int) int {
	raw, ok := p.vars[key]
	if !ok || raw == "" {
		return fallback
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < min || n > max {
		p.fail(key, fmt.Sprintf("%q is not a whole number from %d to %d", raw, min, max))
		return fallback
	}
	return n
}

func (p *parser) boolean(key string, fallback bool) bool {
	raw, ok := p.vars[key]
	if !ok || raw == "" {
		return fallback
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		p.fail(key, fmt.Sprintf("%q is not a boolean (true/false)", raw))
		return fallback
	}
	return b
}

// flag is of-watchdog's getBool: only "true" and "1" switch a feature on.
func (p *parser) flag(key string) bool {
	return p.vars[key] == "true" || p.vars[key] == "1"
}

func (p *parser) upstream(raw string) *url.URL {
	const key = "upstream_url"
	if raw == "" {
		p.fail(key, `is required in mode=http: where the function's HTTP server listens, e.g. http://127.0.0.1:5000 (alias "http_upstream_url")`)
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		p.fail(key, fmt.Sprintf("%q is not an http:// URL with a host", raw))
		return nil
	}
	return u
}
