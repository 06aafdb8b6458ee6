package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// providerWatch samples the provider processes Terraform starts, from /proc, for their peak RSS. It
// reads VmHWM, the kernel's high-water mark of a process's resident memory, which only grows: any
// sample taken after the peak reads it, so sampling every 10 ms misses at most a peak reached in a
// process's last 10 ms (and may miss a provider process that lives less than that, such as the one
// Terraform starts only to read the schema). Running the provider under a wrapper process that
// waits for it would be exact, but adds a process start to each of Terraform's 3–4 provider starts,
// a tenth of a second per command that the timings would charge to the provider.
type providerWatch struct {
	stop chan struct{}
	done chan struct{}

	mu            sync.Mutex
	peaks         map[int]int64 // provider pid → VmHWM in KiB
	terraformPeak int64         // Terraform's own VmHWM in KiB
}

// providerComm is the provider's process name as /proc shows it: the first 15 bytes of the binary's name.
var providerComm = "terraform-provider-knock"[:15]

const watchInterval = 10 * time.Millisecond

func watchProviders(terraformPID int) *providerWatch {
	w := &providerWatch{stop: make(chan struct{}), done: make(chan struct{}), peaks: map[int]int64{}}
	go func() {
		defer close(w.done)
		ticker := time.NewTicker(watchInterval)
		defer ticker.Stop()
		for {
			w.sample(terraformPID)
			select {
			case <-w.stop:
				return
			case <-ticker.C:
			}
		}
	}()
	return w
}

// sample records Terraform's VmHWM and that of every provider process that is its child right now.
// (wait4's peak for Terraform would not do: it includes the peaks of the children Terraform reaped.)
func (w *providerWatch) sample(terraformPID int) {
	if _, hwm, ok := processHWM(terraformPID); ok {
		w.mu.Lock()
		w.terraformPeak = max(w.terraformPeak, hwm)
		w.mu.Unlock()
	}
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(terraformPID) + "/task/*/children")
	for _, tasksChildren := range tasks {
		data, err := os.ReadFile(tasksChildren)
		if err != nil {
			continue
		}
		for field := range strings.FieldsSeq(string(data)) {
			pid, err := strconv.Atoi(field)
			if err != nil {
				continue
			}
			if comm, hwm, ok := processHWM(pid); ok && comm == providerComm {
				w.mu.Lock()
				w.peaks[pid] = max(w.peaks[pid], hwm)
				w.mu.Unlock()
			}
		}
	}
}

// processHWM returns the process name and VmHWM (KiB) of pid.
func processHWM(pid int) (comm string, kib int64, ok bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return "", 0, false
	}
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		name, value, _ := strings.Cut(scanner.Text(), ":")
		value = strings.TrimSpace(value)
		switch name {
		case "Name":
			comm = value
		case "VmHWM":
			kib, err := strconv.ParseInt(strings.TrimSuffix(value, " kB"), 10, 64)
			return comm, kib, err == nil
		}
	}
	return "", 0, false
}

// finish stops sampling and returns the largest peak RSS among the provider processes seen (KiB), how
// many there were, and Terraform's own peak RSS (KiB).
func (w *providerWatch) finish() (providerPeak int64, seen int, terraformPeak int64) {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, hwm := range w.peaks {
		providerPeak = max(providerPeak, hwm)
	}
	return providerPeak, len(w.peaks), w.terraformPeak
}
