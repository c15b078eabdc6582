package stackrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is one process of the stack. It can be stopped, killed and started again with the
// same command line, environment and ports (SetPath swaps the executable in between); its log
// file is appended to across restarts.
type Proc struct {
	Name    string
	Path    string
	Args    []string
	Env     []string // the whole environment of the process
	LogPath string
	// healthy returns nil once the process serves; Start waits for it.
	healthy func(ctx context.Context) error

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has exited
	waitErr error
	starts  int
}

// StopTimeout is how long Stop waits after SIGTERM before it sends SIGKILL.
var StopTimeout = 15 * time.Second

// Start starts the process and waits until it is healthy or ctx ends. Starting a running
// process is an error.
func (p *Proc) Start(ctx context.Context) error {
	p.mu.Lock()
	if p.cmd != nil {
		p.mu.Unlock()
		return fmt.Errorf("stackrun: %s is already running (pid %d)", p.Name, p.cmd.Process.Pid)
	}
	logf, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.mu.Unlock()
		return fmt.Errorf("stackrun: %s log: %w", p.Name, err)
	}
	p.starts++
	fmt.Fprintf(logf, "---- stackrun: start #%d of %s (%s) at %s\n", p.starts, p.Name, p.Path, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.Path, p.Args...)
	cmd.Env = p.Env
	cmd.Stdout = logf
	cmd.Stderr = logf
	// Own process group (a Ctrl-C to the harness does not hit the children first) and death
	// with the harness, so no orphan keeps a port.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		p.mu.Unlock()
		return fmt.Errorf("stackrun: start %s: %w", p.Name, err)
	}
	done := make(chan struct{})
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		logf.Close()
		p.mu.Lock()
		p.waitErr = err
		if p.cmd == cmd {
			p.cmd = nil
		}
		p.mu.Unlock()
		close(done)
	}()
	return p.waitHealthy(ctx, done)
}

func (p *Proc) waitHealthy(ctx context.Context, done chan struct{}) error {
	if p.healthy == nil {
		return nil
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = p.healthy(hctx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("stackrun: %s exited before it became healthy (%v); see %s%s", p.Name, p.exitErr(), p.LogPath, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("stackrun: %s not healthy: %v (last check: %v); see %s", p.Name, ctx.Err(), last, p.LogPath)
		case <-tick.C:
		}
	}
}

func (p *Proc) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waitErr
}

// logTail is the end of the log file, for error messages.
func (p *Proc) logTail() string {
	b, err := os.ReadFile(p.LogPath)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\n" + string(b)
}

// SetPath makes the next starts run the executable at path, with the same arguments,
// environment, ports and log: e.g. the current build of the worker in place of the previous
// release's (the upgrade test). It is an error while the process runs.
func (p *Proc) SetPath(path string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("stackrun: %s runs (pid %d); stop it before changing its executable", p.Name, p.cmd.Process.Pid)
	}
	p.Path = path
	return nil
}

// Running reports whether the process runs.
func (p *Proc) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil
}

// PID is the running process's id, or 0.
func (p *Proc) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Stop sends SIGTERM and waits for the exit; after StopTimeout it sends SIGKILL. Stopping a
// process that does not run is a no-op.
func (p *Proc) Stop() error { return p.signal(syscall.SIGTERM, StopTimeout) }

// Kill sends SIGKILL and waits for the exit: the crash of a process, with no shutdown.
func (p *Proc) Kill() error { return p.signal(syscall.SIGKILL, 0) }

func (p *Proc) signal(sig syscall.Signal, grace time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stackrun: signal %s: %w", p.Name, err)
	}
	if grace > 0 {
		select {
		case <-done:
			return nil
		case <-time.After(grace):
			_ = cmd.Process.Kill()
		}
	}
	<-done
	return nil
}

// Restart stops the process (SIGTERM) if it runs and starts it again.
func (p *Proc) Restart(ctx context.Context) error {
	if err := p.Stop(); err != nil {
		return err
	}
	return p.Start(ctx)
}

// Exited is closed when the current run of the process ends; nil when it does not run.
func (p *Proc) Exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil
	}
	return p.done
}

// Usage is a process's resource use as /proc reports it.
type Usage struct {
	RSS     int64         // resident set size, bytes (VmRSS)
	PeakRSS int64         // high-water mark of RSS, bytes (VmHWM)
	CPU     time.Duration // user + system CPU time
	User    time.Duration
	System  time.Duration
}

// clockTicks is USER_HZ, the unit of CPU times in /proc/<pid>/stat: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// Usage reads the running process's RSS and CPU time from /proc.
func (p *Proc) Usage() (Usage, error) {
	pid := p.PID()
	if pid == 0 {
		return Usage{}, fmt.Errorf("stackrun: %s does not run", p.Name)
	}
	return ReadUsage(pid)
}

// ReadUsage reads pid's RSS and CPU time from /proc/<pid>/stat and /proc/<pid>/status.
func ReadUsage(pid int) (Usage, error) {
	dir := filepath.Join("/proc", strconv.Itoa(pid))
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return Usage{}, fmt.Errorf("stackrun: %w", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces: fields after the
	// last ')' start with field 3 (state). utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return Usage{}, fmt.Errorf("stackrun: unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return Usage{}, fmt.Errorf("stackrun: short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return Usage{}, fmt.Errorf("stackrun: /proc/%d/stat: %w", pid, err)
	}
	u := Usage{
		User:   time.Duration(utime) * time.Second / clockTicks,
		System: time.Duration(stime) * time.Second / clockTicks,
	}
	u.CPU = u.User + u.System
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return Usage{}, fmt.Errorf("stackrun: %w", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fs := strings.Fields(val) // "12345 kB"
		if len(fs) == 0 {
			continue
		}
		kb, err := strconv.ParseInt(fs[0], 10, 64)
		if err != nil {
			return Usage{}, fmt.Errorf("stackrun: /proc/%d/status %s: %w", pid, key, err)
		}
		if key == "VmRSS" {
			u.RSS = kb * 1024
		} else {
			u.PeakRSS = kb * 1024
		}
	}
	return u, nil
}
