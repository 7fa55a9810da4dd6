package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary play the two processes of a replica, so the integration tests need no
// build step and no other language: with the argument "upstream" it is the function's HTTP server
// (see upstream_test.go); with BATON_WATCHDOG_TEST_ROLE=watchdog it is the watchdog itself.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "upstream" {
		runTestUpstream()
		return
	}
	if os.Getenv("BATON_WATCHDOG_TEST_ROLE") == "watchdog" {
		main()
		return
	}
	os.Exit(m.Run())
}
