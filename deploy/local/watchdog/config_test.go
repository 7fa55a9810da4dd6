package main

import (
	"strings"
	"testing"
	"time"
)

var minimal = []string{"mode=http", "fprocess=python3 index.py", "upstream_url=http://127.0.0.1:5000"}

func parse(t *testing.T, extra ...string) Config {
	t.Helper()
	cfg, err := ParseConfig(append(append([]string{}, minimal...), extra...))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	return cfg
}

func TestDefaultsMatchOfWatchdog(t *testing.T) {
	cfg := parse(t)
	if cfg.Port != 8080 || cfg.ExecTimeout != 30*time.Second || cfg.ReadTimeout != 30*time.Second ||
		cfg.WriteTimeout != 30*time.Second || cfg.MaxInflight != 0 || !cfg.PrefixLogs ||
		cfg.LogBufferSize != 64*1024 || cfg.HealthcheckInterval != 0 || cfg.BufferHTTPBody {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	if cfg.UpstreamURL.Host != "127.0.0.1:5000" {
		t.Fatalf("upstream: %v", cfg.UpstreamURL)
	}
}

func TestDurationsAcceptSecondsAndGoDurations(t *testing.T) {
	cfg := parse(t, "exec_timeout=90", "read_timeout=1m30s", "write_timeout=250ms", "healthcheck_interval=0", "exec_timeout=0")
	if cfg.ExecTimeout != 0 || cfg.ReadTimeout != 90*time.Second || cfg.WriteTimeout != 250*time.Millisecond {
		t.Fatalf("durations: %+v", cfg)
	}
	if got := parse(t, "exec_timeout=").ExecTimeout; got != 30*time.Second {
		t.Fatalf("an empty value means the default, got %s", got)
	}
}

func TestAliasesOverrideLikeOfWatchdog(t *testing.T) {
	cfg := parse(t, "function_process=node index.js", "http_upstream_url=http://127.0.0.1:3000", "buffer_http=true")
	if cfg.FunctionProcess != "node index.js" || cfg.UpstreamURL.Port() != "3000" || !cfg.BufferHTTPBody {
		t.Fatalf("aliases: %+v", cfg)
	}
}

func TestProcessSplitsOnEverySpace(t *testing.T) {
	name, args := parse(t, "fprocess=node  --import tsx index.ts").Process()
	if name != "node" || strings.Join(args, "|") != "|--import|tsx|index.ts" {
		t.Fatalf("got %q %q", name, args)
	}
	if _, args := parse(t, "fprocess=server").Process(); len(args) != 0 {
		t.Fatalf("no arguments expected, got %q", args)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	cases := map[string][]string{
		"env mode":            {"mode=streaming"},
		"env fprocess":        {"fprocess="},
		"env upstream_url":    {"upstream_url=127.0.0.1:5000"},
		"env port":            {"port=http"},
		"env exec_timeout":    {"exec_timeout=soon"},
		"env write_timeout":   {"write_timeout=0"},
		"env max_inflight":    {"max_inflight=-1"},
		"env prefix_logs":     {"prefix_logs=maybe"},
		"env log_buffer_size": {"log_buffer_size=0"},
		"env ready_path":      {"ready_path=ready"},
	}
	for key, extra := range cases {
		_, err := ParseConfig(append(append([]string{}, minimal...), extra...))
		if err == nil || !strings.Contains(err.Error(), key+":") {
			t.Errorf("%v: want an error naming %q, got %v", extra, key, err)
		}
	}
}

func TestModeIsRequired(t *testing.T) {
	_, err := ParseConfig([]string{"fprocess=x", "upstream_url=http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "env mode:") {
		t.Fatalf("got %v", err)
	}
}

func TestAllErrorsAreReportedAtOnce(t *testing.T) {
	_, err := ParseConfig([]string{"mode=http", "port=0"})
	for _, key := range []string{"env fprocess:", "env upstream_url:", "env port:"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("want %q in %v", key, err)
		}
	}
}
