package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// standin is the local AI API stand-in, run as a process on 127.0.0.1 and
// driven through its control endpoints.
type standin struct {
	url  string
	cmd  *exec.Cmd
	done chan struct{}
}

// startStandin starts the stand-in as name (its url and log files are
// named after it), with extra flags.
func startStandin(ctx context.Context, binary, apiKey, work, name string, extra ...string) (*standin, error) {
	urlFile := filepath.Join(work, name+".url")
	_ = os.Remove(urlFile)
	logFile, err := os.Create(filepath.Join(work, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, binary, append([]string{"-addr", "127.0.0.1:0", "-api-key", apiKey, "-url-file", urlFile}, extra...)...)
	cmd.Stderr = logFile
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	s := &standin{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if b, err := os.ReadFile(urlFile); err == nil && len(b) > 0 {
			s.url = strings.TrimSpace(string(b))
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("the stand-in exited; see %s", logFile.Name())
		case <-time.After(100 * time.Millisecond):
		}
	}
	s.stop()
	return nil, fmt.Errorf("the stand-in did not start within 10 s; see %s", logFile.Name())
}

func (s *standin) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *standin) post(path string) error {
	resp, err := http.Post(s.url+path, "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("stand-in POST %s: %s", path, resp.Status)
	}
	return nil
}

func (s *standin) setLatency(d time.Duration) error {
	return s.post("/_standin/latency?set=" + d.String())
}

func (s *standin) reset() error { return s.post("/_standin/reset") }

// standinStats is GET /_standin/stats.
type standinStats struct {
	AIRequests   int `json:"ai_requests"`
	PageRequests int `json:"page_requests"`
	PeakInFlight int `json:"peak_in_flight"`
}

func (s *standin) stats() (standinStats, error) {
	var st standinStats
	resp, err := http.Get(s.url + "/_standin/stats")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("stand-in GET /_standin/stats: %s", resp.Status)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}
