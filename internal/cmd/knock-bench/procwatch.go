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

// providerWatch samples the provider processes Terraform starts, from /proc, for their peak RSS and CPU
// time, and Terraform's own. It reads VmHWM, the kernel's high-water mark of a process's resident memory,
// which only grows: any sample taken after the peak reads it, so sampling every 10 ms misses at most a
// peak reached in a process's last 10 ms (and may miss a provider process that lives less than that, such as the one
// Terraform starts only to read the schema). Running the provider under a wrapper process that
// waits for it would be exact, but adds a process start to each of Terraform's 3–4 provider starts,
// a tenth of a second per command that the timings would charge to the provider. CPU time (utime +
// stime) is kept from the last sample of each process: a zombie still shows its final figures, and a
// process reaped between samples loses at most its last 10 ms.
type providerWatch struct {
	stop chan struct{}
	done chan struct{}

	mu            sync.Mutex
	peaks         map[int]int64         // provider pid → VmHWM in KiB
	cpu           map[int]time.Duration // provider pid → CPU time at the last sample
	terraformPeak int64                 // Terraform's own VmHWM in KiB
	terraformCPU  time.Duration         // Terraform's own CPU time, without its children's
}

// providerComm is the provider's process name as /proc shows it: the first 15 bytes of the binary's name.
var providerComm = "terraform-provider-knock"[:15]

const watchInterval = 10 * time.Millisecond

func watchProviders(terraformPID int) *providerWatch {
	w := &providerWatch{stop: make(chan struct{}), done: make(chan struct{}), peaks: map[int]int64{}, cpu: map[int]time.Duration{}}
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

// sample records Terraform's VmHWM and CPU time and those of every provider process that is its child
// right now. (wait4's figures for Terraform would not do: they include those of the children Terraform reaped.)
func (w *providerWatch) sample(terraformPID int) {
	if p, ok := readProcess(terraformPID); ok {
		w.mu.Lock()
		w.terraformPeak = max(w.terraformPeak, p.hwm)
		w.terraformCPU = p.cpu
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
			if p, ok := readProcess(pid); ok && p.comm == providerComm {
				w.mu.Lock()
				w.peaks[pid] = max(w.peaks[pid], p.hwm)
				w.cpu[pid] = p.cpu
				w.mu.Unlock()
			}
		}
	}
}

// process is what one sample of /proc tells about a process.
type process struct {
	comm string
	hwm  int64         // VmHWM in KiB; 0 for a zombie, which has no memory left
	cpu  time.Duration // user + system CPU time
}

// clockTick is the unit of the CPU times in /proc/PID/stat: USER_HZ, 100 a second on Linux.
const clockTick = 10 * time.Millisecond

// readProcess reads the name and CPU time of pid from /proc/PID/stat, and its VmHWM from /proc/PID/status.
func readProcess(pid int) (process, bool) {
	var p process
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return p, false
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
	open, closing := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || closing < open {
		return p, false
	}
	p.comm = string(stat[open+1 : closing])
	fields := strings.Fields(string(stat[closing+1:])) // fields[0] is field 3 of proc(5), state
	if len(fields) < 13 {
		return p, false
	}
	utime, err1 := strconv.ParseInt(fields[14-3], 10, 64)
	stime, err2 := strconv.ParseInt(fields[15-3], 10, 64)
	if err1 != nil || err2 != nil {
		return p, false
	}
	p.cpu = time.Duration(utime+stime) * clockTick

	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return p, true
	}
	scanner := bufio.NewScanner(bytes.NewReader(status))
	for scanner.Scan() {
		if value, ok := strings.CutPrefix(scanner.Text(), "VmHWM:"); ok {
			p.hwm, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
			break
		}
	}
	return p, true
}

// finish stops sampling and fills in m what was seen: the largest peak RSS among the provider processes,
// how many there were and their total CPU time, and Terraform's own peak RSS and CPU time.
func (w *providerWatch) finish(m *measure) {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	for pid, hwm := range w.peaks {
		m.providerRSS = max(m.providerRSS, hwm)
		m.providerCPU += w.cpu[pid]
	}
	m.starts, m.terraformRSS, m.terraformCPU = len(w.peaks), w.terraformPeak, w.terraformCPU
}
