package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// stateStats describes the costhandoff_check instances of one state file.
type stateStats struct {
	Checks int
	// Bytes and Values are medians over the checks: the compact JSON of an
	// instance's attributes, and the scalar values in it (nulls included,
	// as they are stored too).
	Bytes, Values int
	// FileBytes is the whole terraform.tfstate, as the CLI wrote it.
	FileBytes int
}

// stateFile is the part of terraform.tfstate the harness reads and edits;
// everything else is kept as it is.
type stateFile map[string]json.RawMessage

// stateResource is one resource of the state; fields are kept as they are
// except those the harness edits.
type stateResource map[string]json.RawMessage

func (r stateResource) str(field string) string {
	var s string
	_ = json.Unmarshal(r[field], &s)
	return s
}

func (r stateResource) instances() ([]map[string]json.RawMessage, error) {
	var is []map[string]json.RawMessage
	err := json.Unmarshal(r["instances"], &is)
	return is, err
}

func readState(dir string) (stateFile, []stateResource, int, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		return nil, nil, 0, err
	}
	var st stateFile
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, nil, 0, fmt.Errorf("%s: %w", dir, err)
	}
	var resources []stateResource
	if err := json.Unmarshal(st["resources"], &resources); err != nil {
		return nil, nil, 0, fmt.Errorf("%s: resources: %w", dir, err)
	}
	return st, resources, len(raw), nil
}

// saveState writes st, with resources in place of its own, as dir's state.
func saveState(dir string, st stateFile, resources []stateResource) error {
	var err error
	if st["resources"], err = json.Marshal(resources); err != nil {
		return err
	}
	out, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "terraform.tfstate"), out, 0o644)
}

// readChecks reads dir's state and requires what makes the figures real
// work: n costhandoff_check instances, every one decided proceed, each with
// history earlier runs.
func readChecks(dir string, n, history int) (stateStats, error) {
	_, resources, size, err := readState(dir)
	if err != nil {
		return stateStats{}, err
	}
	stats := stateStats{FileBytes: size}
	var sizes, values []int
	for _, r := range resources {
		if r.str("type") != checkType {
			continue
		}
		instances, err := r.instances()
		if err != nil {
			return stateStats{}, fmt.Errorf("%s: %w", dir, err)
		}
		for _, inst := range instances {
			var compact bytes.Buffer
			if err := json.Compact(&compact, inst["attributes"]); err != nil {
				return stateStats{}, fmt.Errorf("%s: %w", dir, err)
			}
			var attrs map[string]any
			if err := json.Unmarshal(compact.Bytes(), &attrs); err != nil {
				return stateStats{}, fmt.Errorf("%s: %w", dir, err)
			}
			if d, _ := attrs["decision"].(string); d != "proceed" {
				return stateStats{}, fmt.Errorf("%s: a check decided %q, want proceed: the figures would not be of real work", dir, d)
			}
			if h := entries(attrs["history"]); h != history {
				return stateStats{}, fmt.Errorf("%s: a check has %d earlier runs in history, want %d", dir, h, history)
			}
			stats.Checks++
			sizes = append(sizes, compact.Len())
			values = append(values, countScalars(attrs))
		}
	}
	if stats.Checks != n {
		return stateStats{}, fmt.Errorf("%s: %d costhandoff_check instances in state, want %d", dir, stats.Checks, n)
	}
	stats.Bytes, stats.Values = median(sizes), median(values)
	return stats, nil
}

// entries counts the elements of a list or map (a history of either shape);
// null has none.
func entries(v any) int {
	switch v := v.(type) {
	case []any:
		return len(v)
	case map[string]any:
		return len(v)
	default:
		return 0
	}
}

// countScalars counts the scalar values (strings, numbers, booleans and
// nulls) in a decoded JSON value.
func countScalars(v any) int {
	switch v := v.(type) {
	case map[string]any:
		n := 0
		for _, e := range v {
			n += countScalars(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range v {
			n += countScalars(e)
		}
		return n
	default:
		return 1
	}
}

// copyAsEcho writes config into to, with the state of from's checks held
// by noop_check_echo resources of the noop provider: the same-state floor.
func copyAsEcho(from, to, config string) error {
	st, resources, _, err := readState(from)
	if err != nil {
		return err
	}
	for _, r := range resources {
		if t := r.str("type"); t != checkType {
			return fmt.Errorf("%s: unexpected resource type %s", from, t)
		}
		// provider["HOST/costhandoff/costhandoff"], whichever host the CLI uses.
		p, ok := strings.CutSuffix(r.str("provider"), `/costhandoff/costhandoff"]`)
		if !ok {
			return fmt.Errorf("%s: unexpected provider %s", from, r.str("provider"))
		}
		r["type"], _ = json.Marshal("noop_check_echo")
		r["provider"], _ = json.Marshal(p + `/costhandoff/noop"]`)
	}
	if err := writeConfig(to, config); err != nil {
		return err
	}
	return saveState(to, st, resources)
}
