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

// profile is one more plan, sampled: the peak memory of the provider
// processes and the split of the plan's CPU time between them and the CLI.
type profile struct {
	PeakRSSKiB  int
	ProviderCPU time.Duration
	CLICPU      time.Duration
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on
// every Linux platform Go supports.
const clockTicks = 100

// profilePlan runs plan while polling, every 20 ms, every process whose
// executable is binary (the provider is a child of the CLI, so only /proc
// sees it without changing what is measured). VmHWM is the kernel's own
// resident-set high-water mark, which only grows, so no peak is missed
// between two samples; of each process's CPU time only its last 20 ms can
// be missed. Polling costs CPU, so this plan is never one of the timed ones.
func profilePlan(binary string, plan func() (timing, error)) (profile, error) {
	var (
		mu    sync.Mutex
		peak  int
		ticks = map[int]int{}
		stop  = make(chan struct{})
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			for _, pid := range processesOf(binary) {
				hwm, t, ok := sampleProcess(pid)
				if !ok {
					continue
				}
				mu.Lock()
				peak = max(peak, hwm)
				ticks[pid] = t
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	t, err := plan()
	close(stop)
	<-done
	if err != nil {
		return profile{}, err
	}
	total := 0
	for _, v := range ticks {
		total += v
	}
	providerCPU := time.Duration(total) * time.Second / clockTicks
	return profile{PeakRSSKiB: peak, ProviderCPU: providerCPU, CLICPU: t.cpu - providerCPU}, nil
}

// processesOf lists the processes running binary.
func processesOf(binary string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && exe == binary {
			pids = append(pids, pid)
		}
	}
	return pids
}

// sampleProcess reads VmHWM (KiB) and user + system CPU ticks of pid.
func sampleProcess(pid int) (hwmKiB, ticks int, ok bool) {
	dir := filepath.Join("/proc", strconv.Itoa(pid))
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return 0, 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if v, found := strings.CutPrefix(sc.Text(), "VmHWM:"); found {
			hwmKiB, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return 0, 0, false
	}
	// pid (comm) state ppid ...: utime and stime are fields 14 and 15, the
	// 12th and 13th after the comm's closing parenthesis.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, false
	}
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 13 {
		return 0, 0, false
	}
	utime, err1 := strconv.Atoi(fields[11])
	stime, err2 := strconv.Atoi(fields[12])
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return hwmKiB, utime + stime, true
}
