package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
)

// Terraform starts the provider itself, so its peak memory cannot be read from the harness. The
// harness therefore puts a copy of its own binary in the dev_overrides directory under the provider's
// name; Terraform starts that copy, which runs the real provider as its child and records the child's
// peak RSS when it exits. These two variables switch the binary into that mode.
const (
	envWrapProvider = "KNOCK_BENCH_WRAP_PROVIDER" // path of the real provider binary
	envRSSFile      = "KNOCK_BENCH_RSS_FILE"      // file that gets one line "<maxrss KiB>" per provider start
)

// wrapProvider runs the real provider with the wrapper's stdin, stdout, stderr, arguments and environment
// (go-plugin's handshake goes over stdout, so the child writes to it directly), then appends the child's
// peak RSS to the RSS file and exits with the child's status.
func wrapProvider(real string) int {
	// Pdeathsig is tied to the OS thread that starts the child: keep this goroutine on it until Wait.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	cmd := exec.Command(real, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = withoutVars(os.Environ(), envWrapProvider, envRSSFile)
	// If Terraform kills the wrapper outright, the provider must not outlive it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "knock-bench provider wrapper:", err)
		return 1
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	_ = cmd.Wait() // the exit status is in ProcessState either way
	signal.Stop(sigs)

	if path := os.Getenv(envRSSFile); path != "" {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			// O_APPEND: several provider processes of one step each add their own line.
			if f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
				_, _ = fmt.Fprintf(f, "%d\n", ru.Maxrss) // KiB on Linux
				_ = f.Close()
			}
		}
	}
	if code := cmd.ProcessState.ExitCode(); code >= 0 {
		return code
	}
	return 1 // killed by a signal
}

// withoutVars returns env minus the named variables.
func withoutVars(env []string, names ...string) []string {
	out := make([]string, 0, len(env))
outer:
	for _, kv := range env {
		for _, name := range names {
			if strings.HasPrefix(kv, name+"=") {
				continue outer
			}
		}
		out = append(out, kv)
	}
	return out
}
