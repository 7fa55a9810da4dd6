package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// logDrainTimeout bounds the wait for the child's last log lines: a grandchild may hold the pipes open.
const logDrainTimeout = 2 * time.Second

// child is the function process (fprocess): started once, kept for the watchdog's lifetime.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser // held open and never written, as of-watchdog does
	logs  sync.WaitGroup
	done  chan struct{} // closed when the process has exited
	state *os.ProcessState
}

// startChild runs fprocess with the watchdog's own environment and working directory, forwarding its
// stdout and stderr line by line to the watchdog's.
func startChild(cfg Config) (*child, error) {
	name, args := cfg.Process()
	c := &child{cmd: exec.Command(name, args...), done: make(chan struct{})}

	stdin, err := c.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	c.stdin = stdin
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, err
	}
	// Giving the child *os.File writers lets Wait return as soon as it exits; we read the pipes ourselves.
	c.cmd.Stdout, c.cmd.Stderr = outW, errW

	log.Printf("Forking: %s, arguments: %q", name, args)
	startErr := c.cmd.Start()
	outW.Close() // the child holds its own copies
	errW.Close()
	if startErr != nil {
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("env fprocess: cannot start %q: %w", cfg.FunctionProcess, startErr)
	}

	forwardLines("stderr", errR, os.Stderr, cfg.PrefixLogs, cfg.LogBufferSize, &c.logs)
	forwardLines("stdout", outR, os.Stdout, cfg.PrefixLogs, cfg.LogBufferSize, &c.logs)

	go func() {
		_ = c.cmd.Wait() // the outcome is in ProcessState
		c.state = c.cmd.ProcessState
		c.drainLogs()
		close(c.done)
	}()
	return c, nil
}

// exitDescription says how the child ended, e.g. "exit status 3" or "signal: killed".
func (c *child) exitDescription() string {
	<-c.done
	if c.state == nil {
		return "unknown"
	}
	return c.state.String()
}

// stop asks the child to end with SIGTERM and kills it if it has not exited within grace.
func (c *child) stop(grace time.Duration) {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		log.Printf("Function process did not exit %s after SIGTERM: killing it", grace)
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

func (c *child) drainLogs() {
	drained := make(chan struct{})
	go func() {
		c.logs.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(logDrainTimeout):
	}
}
