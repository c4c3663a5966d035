package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The plans a reviewer reads, counted in lines as the CLI prints them.
const (
	linesHistory      = 10 // earlier runs of the re-run plan's check: the default history_limit
	linesDestroy      = 6  // checks of the destroy plan
	linesDestroyEarly = 3  // earlier runs of each
)

// planLines is what the line counts found.
type planLines struct {
	// Rerun is the lines of the one resource in the re-run plan after one
	// changed tag; Added, Removed and Changed its history entries shown
	// as added, removed and changed.
	Rerun, Added, Removed, Changed int
	// Destroy is every line the destroy plan printed, less the CLI's
	// warning that development overrides are in effect (the bench's
	// wiring, which a user does not see).
	Destroy int
}

// lines applies one check 1 + linesHistory times and plans it with one
// changed tag, and applies linesDestroy checks 1 + linesDestroyEarly times
// and plans their destroy, each in a workspace of its own, with the CLI.
func (b *bench) lines(ctx context.Context) error {
	if err := b.standin.setLatency(0); err != nil {
		return err
	}
	apply := func(dir string, n, rounds int) error {
		for round := 0; round <= rounds; round++ {
			if err := writeConfig(dir, checksConfig(n, 4, b.standin.url, round)); err != nil {
				return err
			}
			if _, err := b.tf.run(ctx, dir, "apply", "-auto-approve", "-input=false"); err != nil {
				return err
			}
		}
		_, err := readChecks(dir, n, rounds)
		return err
	}

	logf("lines: 1 check applied %d times, then planned with its owner_tag changed", linesHistory+1)
	rerun := filepath.Join(b.work, "lines-rerun")
	if err := apply(rerun, 1, linesHistory); err != nil {
		return err
	}
	if err := writeConfig(rerun, checksConfigOwned(1, 4, b.standin.url, linesHistory, benchOwner+"-changed")); err != nil {
		return err
	}
	out, err := b.planOutput(ctx, rerun, "plan", "-input=false")
	if err != nil {
		return err
	}
	block, err := resourceBlock(out, "costhandoff_check.bench[0]")
	if err != nil {
		return fmt.Errorf("%s: %w", rerun, err)
	}
	b.fig.lines.Rerun = len(block)
	b.fig.lines.Added, b.fig.lines.Removed, b.fig.lines.Changed = historyChanges(block)

	logf("lines: %d checks applied %d times, then planned for destroy", linesDestroy, linesDestroyEarly+1)
	destroy := filepath.Join(b.work, "lines-destroy")
	if err := apply(destroy, linesDestroy, linesDestroyEarly); err != nil {
		return err
	}
	if out, err = b.planOutput(ctx, destroy, "plan", "-destroy", "-input=false"); err != nil {
		return err
	}
	b.fig.lines.Destroy = len(withoutOverridesWarning(strings.Split(strings.TrimRight(out, "\n"), "\n")))
	return nil
}

// planOutput runs a plan in dir and returns what the CLI printed.
func (b *bench) planOutput(ctx context.Context, dir string, args ...string) (string, error) {
	if _, err := b.tf.run(ctx, dir, args...); err != nil {
		return "", err
	}
	out, err := os.ReadFile(filepath.Join(dir, "tf.log"))
	return string(out), err
}

// resourceBlock is the lines the plan shows for address: from its
// "# address will be ..." line to the closing brace of its block.
func resourceBlock(plan, address string) ([]string, error) {
	lines := strings.Split(plan, "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "# "+address+" ") {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("the plan shows no change of %s", address)
	}
	for i := start + 1; i < len(lines); i++ {
		if lines[i] == "    }" {
			return lines[start : i+1], nil
		}
	}
	return nil, fmt.Errorf("the block of %s has no end", address)
}

// historyStart is the line that opens the history attribute, its name
// padded to align with its neighbours'.
var historyStart = regexp.MustCompile(`^\s*[~+-]?\s*history\s+=`)

// historyChanges counts the history entries block shows as added, removed
// and changed: the lines one level inside the history attribute that start
// with +, - or ~. In a map an entry is one such line ("+ \"run-id\" = ..."),
// in a list one element (an object or a heredoc string) is.
func historyChanges(block []string) (added, removed, changed int) {
	start := -1
	for i, l := range block {
		if historyStart.MatchString(l) {
			start = i
			break
		}
	}
	if start < 0 {
		return 0, 0, 0
	}
	level := indent(block[start])
	for _, l := range block[start+1:] {
		t := strings.TrimSpace(l)
		if indent(l) <= level+2 && (strings.HasPrefix(t, "}") || strings.HasPrefix(t, "]")) {
			break
		}
		if indent(l) != level+4 || t == "" {
			continue
		}
		switch t[0] {
		case '+':
			added++
		case '-':
			removed++
		case '~':
			changed++
		}
	}
	return added, removed, changed
}

func indent(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }

// withoutOverridesWarning drops the CLI's warning box about development
// overrides from lines.
func withoutOverridesWarning(lines []string) []string {
	var out, box []string
	inBox := false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "╷"):
			inBox, box = true, []string{l}
		case inBox && strings.HasPrefix(l, "╵"):
			box = append(box, l)
			if !strings.Contains(strings.Join(box, "\n"), "development overrides") {
				out = append(out, box...)
			}
			inBox = false
		case inBox:
			box = append(box, l)
		default:
			out = append(out, l)
		}
	}
	if inBox {
		out = append(out, box...)
	}
	return out
}
