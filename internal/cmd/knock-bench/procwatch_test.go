package main

import (
	"os"
	"testing"
	"time"
)

func TestReadProcess(t *testing.T) {
	// Burn a few clock ticks, so that the CPU time read cannot be zero.
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
	}
	p, ok := readProcess(os.Getpid())
	if !ok {
		t.Fatal("readProcess of this process failed")
	}
	if p.comm == "" || p.hwm <= 0 || p.cpu <= 0 {
		t.Errorf("readProcess = %+v, want a name, a peak RSS and some CPU time", p)
	}
	if _, ok := readProcess(-1); ok {
		t.Error("readProcess(-1) succeeded")
	}
}
