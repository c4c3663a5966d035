package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// binarySet is what the harness runs: the provider, the baselines and the
// stand-in, all in dir (the dev_overrides folder of both providers).
type binarySet struct {
	dir, provider, noop, standin string
}

// binaries builds the three binaries from the repository into the working
// folder, or takes them from -bin.
func binaries(ctx context.Context, o options) (binarySet, error) {
	dir := o.bin
	if dir == "" {
		dir = filepath.Join(o.work, "bin")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return binarySet{}, err
	}
	b := binarySet{
		dir:      dir,
		provider: filepath.Join(dir, "terraform-provider-costhandoff"),
		noop:     filepath.Join(dir, "terraform-provider-noop"),
		standin:  filepath.Join(dir, "costhandoff-standin"),
	}
	if o.bin != "" {
		for _, f := range []string{b.provider, b.noop, b.standin} {
			if _, err := os.Stat(f); err != nil {
				return binarySet{}, fmt.Errorf("-bin: %w", err)
			}
		}
		logf("using the binaries in %s", dir)
		return b, nil
	}
	logf("building the provider, the baselines and the stand-in")
	for _, t := range []struct{ out, pkg string }{
		{b.provider, "."},
		{b.noop, "./bench/noop"},
		{b.standin, "./internal/standin/cmd/costhandoff-standin"},
	} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", t.out, t.pkg)
		cmd.Dir = o.repo
		if out, err := cmd.CombinedOutput(); err != nil {
			return binarySet{}, fmt.Errorf("go build %s: %w\n%s", t.pkg, err, out)
		}
	}
	return b, nil
}
