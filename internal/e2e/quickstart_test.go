package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The README's offline quick start runs as written, against the bundled
// stand-in: its commands, run by bash from the repository's root, build and
// start the stand-in, apply examples/quickstart and print a handoff log
// that proceeds, names the operator from the environment and the endpoint
// tested. Only what cannot be taken as written is changed: the port (to a
// free one), the build folder and the copy of the example (temporary), the
// provider (the fresh build, installed as make install does, into a local
// mirror the CLI reads) and apply's confirmation.
func TestREADMEOfflineQuickStart(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)### The same quick start, offline against the bundled stand-in\n.*?```sh\n(.*?)```\n").FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README has no offline quick start")
	}
	script := string(m[1])

	port := freePort(t)
	dir := t.TempDir()
	example := filepath.Join(dir, "quickstart")
	if err := os.MkdirAll(example, 0o755); err != nil {
		t.Fatal(err)
	}
	main, err := os.ReadFile("../../examples/quickstart/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(example, "main.tf"), main, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"127.0.0.1:8080", ".build/bin", "cd examples/quickstart", "terraform apply\n", "terraform "} {
		if !strings.Contains(script, want) {
			t.Fatalf("the offline quick start no longer holds %q, which this test adapts:\n%s", want, script)
		}
	}
	script = strings.NewReplacer(
		"127.0.0.1:8080", "127.0.0.1:"+port,
		".build/bin", filepath.Join(dir, "bin"),
		"cd examples/quickstart", "cd "+example,
		"terraform apply\n", "terraform apply -input=false -auto-approve\n",
	).Replace(script)
	script = regexp.MustCompile(`(?m)^terraform `).ReplaceAllString(script, tf.path+" ")

	w := &workspace{t: t, dir: dir}
	w.wireCLI(false)
	// What make install does: the build in a folder laid out as a registry
	// mirror, which terraform init reads offline.
	mirror := filepath.Join(dir, "mirror")
	platform := filepath.Join(mirror, tf.source, "0.1.0", runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(platform, 0o755); err != nil {
		t.Fatal(err)
	}
	binary, err := os.ReadFile(filepath.Join(providerDir, "terraform-provider-costhandoff"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(platform, "terraform-provider-costhandoff_v0.1.0"), binary, 0o755); err != nil {
		t.Fatal(err)
	}
	w.write("costhandoff.tfrc", fmt.Sprintf("disable_checkpoint = true\nprovider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	// The stand-in runs in the background: the script's whole process group
	// is stopped when it ends, however it ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	defer func() {
		if cmd.Process != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		}
	}()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// The environment is the workspace's: nothing of the caller's
	// Terraform or costhandoff settings.
	cmd.Dir, cmd.Env = root, append(w.env, "TF_CLI_ARGS=-no-color")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the offline quick start failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"Apply complete! Resources: 1 added",
		"operator: finops-platform\n",
		"decision: proceed\n",
		"endpoint: http://127.0.0.1:" + port + "/v1\n",
		"source_pricing: pass, HTTP 200",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the offline quick start's output lacks %q:\n%s", want, out)
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("a TCP listener has address %v", ln.Addr())
	}
	return strconv.Itoa(addr.Port)
}
