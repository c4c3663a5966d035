package handoff

import (
	"context"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// An interrupted apply cancels the run's context: the run must come back at
// once, without waiting for a slow endpoint, and still decide.
func TestRunReturnsPromptlyWhenCancelled(t *testing.T) {
	h := newHarness(t, standin.Normal)
	h.server.SetLatency(30 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)

	start := time.Now()
	o := h.runner.Run(ctx, h.check(), Previous{}, 10)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("Run took %s after cancellation; it must not wait for the endpoint", elapsed)
	}
	for name, r := range map[string]probe.Result{"happy": o.Probe.HappyPath, "error": o.Probe.ErrorPath} {
		if r.Category != probe.CategoryTimeout || r.Attempts != 1 {
			t.Errorf("%s path: category %s with %d attempts, want timeout with 1", name, r.Category, r.Attempts)
		}
	}
	if o.Decision != Stop {
		t.Errorf("decision %s, want stop", o.Decision)
	}
}
