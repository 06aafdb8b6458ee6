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

	mu    sync.Mutex
	peaks map[int]int64 // provider pid → VmHWM in KiB
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

// sample records the VmHWM of every provider process that is a child of Terraform right now.
func (w *providerWatch) sample(terraformPID int) {
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
			if hwm, ok := providerHWM(pid); ok {
				w.mu.Lock()
				w.peaks[pid] = max(w.peaks[pid], hwm)
				w.mu.Unlock()
			}
		}
	}
}

// providerHWM returns the VmHWM of pid in KiB if pid is a provider process.
func providerHWM(pid int) (int64, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	isProvider := false
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		name, value, _ := strings.Cut(scanner.Text(), ":")
		value = strings.TrimSpace(value)
		switch name {
		case "Name":
			isProvider = value == providerComm
		case "VmHWM":
			kib, err := strconv.ParseInt(strings.TrimSuffix(value, " kB"), 10, 64)
			return kib, isProvider && err == nil
		}
	}
	return 0, false
}

// finish stops sampling and returns the largest peak RSS among the provider processes seen (KiB) and
// how many there were.
func (w *providerWatch) finish() (peak int64, seen int) {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, hwm := range w.peaks {
		peak = max(peak, hwm)
	}
	return peak, len(w.peaks)
}
