// Command baton-watchdog is Baton's stand-in for OpenFaaS of-watchdog 0.11.6 in mode=http, used on the
// local stack when the real binary cannot be installed. It reads the same environment, starts the function
// process (fprocess) and reverse-proxies requests to it. Production images use the real of-watchdog.
package main

import (
	"fmt"
	"log"
	"os"
)

// version is what `baton-watchdog --version` prints; deploy/tools recognises the stand-in by it.
const version = "baton-watchdog 0.11.6-compatible (stand-in)"

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "version", "-version", "--version":
			fmt.Println(version)
			return
		default:
			fmt.Fprintf(os.Stderr, "usage: %s [--version]; configure it with environment variables (mode=http, fprocess, upstream_url, ...)\n", os.Args[0])
			os.Exit(2)
		}
	}

	log.Printf("Version: %s", version)
	cfg, err := ParseConfig(os.Environ())
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error loading config: %s\n", err)
		os.Exit(1)
	}
	os.Exit(run(cfg))
}
