package main

import (
	"log"
	"os"
	"path/filepath"
)

// lockFile is of-watchdog's health marker: written once the server listens, removed on SIGTERM, and /_/health
// and /_/ready answer 503 while it is missing (an exec probe can also check it: `fwatchdog --run-healthcheck`).
// It lives in os.TempDir(), so $TMPDIR moves it, as it does for of-watchdog.
type lockFile struct {
	path     string
	suppress bool // suppress_lock=true: no file is written, so the probes answer 503, as of-watchdog's do
}

func newLockFile(suppress bool) *lockFile {
	return &lockFile{path: filepath.Join(os.TempDir(), ".lock"), suppress: suppress}
}

// create writes the file; the error says how to switch it off, as of-watchdog's does.
func (l *lockFile) create() error {
	if l.suppress {
		log.Println(`Warning: "suppress_lock" is enabled. No automated health-checks will be in place for your function.`)
		return nil
	}
	log.Printf("Writing lock-file to: %s", l.path)
	if err := os.MkdirAll(filepath.Dir(l.path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(l.path, nil, 0o660)
}

func (l *lockFile) remove() {
	if l.suppress {
		return
	}
	log.Printf("Removing lock-file : %s", l.path)
	if err := os.Remove(l.path); err != nil {
		log.Printf("Unable to mark server as unhealthy: %s", err)
	}
}

func (l *lockFile) present() bool {
	_, err := os.Stat(l.path)
	return err == nil
}
