package main

import (
	"bufio"
	"io"
	"log"
	"strings"
	"sync"
)

// forwardLines copies a child's output to the watchdog's own stream one line at a time, so lines from the
// function never interleave mid-line with the watchdog's log. With prefix, each line gets the date, time and
// stream name ("2024/04/25 17:29:06 stdout: ...") like of-watchdog's prefix_logs=true.
// maxLine > 0 splits longer lines into pieces of that size; of-watchdog's scanner gives up on such a line
// ("token too long") and stops forwarding, which would eventually block the child on a full pipe.
func forwardLines(name string, src io.Reader, dst io.Writer, prefix bool, maxLine int, done *sync.WaitGroup) {
	logger := log.New(dst, "", 0)
	if prefix {
		logger.SetFlags(log.LstdFlags)
	}
	emit := func(line string) {
		if prefix {
			logger.Printf("%s: %s", name, line)
		} else {
			logger.Print(line)
		}
	}

	done.Add(1)
	go func() {
		defer done.Done()
		var err error
		if maxLine > 0 {
			err = readBounded(bufio.NewReaderSize(src, maxLine), emit)
		} else {
			err = readUnbounded(bufio.NewReader(src), emit)
		}
		if err != nil && err != io.EOF {
			log.Printf("Error reading %s: %s", name, err)
		}
	}()
}

// readBounded emits lines of at most the reader's buffer size; ReadLine also drops a trailing \r.
func readBounded(r *bufio.Reader, emit func(string)) error {
	for {
		line, _, err := r.ReadLine()
		if err != nil {
			return err
		}
		emit(string(line))
	}
}

func readUnbounded(r *bufio.Reader, emit func(string)) error {
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			emit(strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"))
		}
		if err != nil {
			return err
		}
	}
}
