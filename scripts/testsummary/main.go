// Command testsummary reads `go test -json` on stdin and prints what a plain
// `go test` prints (a line per package, the output of every test that
// failed, build errors), then one last line counting the tests, subtests
// included:
//
//	N passed, N failed, N skipped
//
// It exits 1 when a test or a package failed, so a caller keeps both its own
// exit code and go test's (scripts/test.sh). With -v it prints every line
// of output, as go test -v does.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

func main() {
	verbose := flag.Bool("v", false, "print every test's output, as go test -v does")
	flag.Parse()
	c, err := summarise(os.Stdin, os.Stdout, *verbose)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if c.failed > 0 || c.packagesFailed > 0 {
		os.Exit(1)
	}
}

// event is one line of `go test -json` (cmd/test2json), build events
// included.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type counts struct {
	passed, failed, skipped, packagesFailed int
}

func (c counts) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", c.passed, c.failed, c.skipped)
}

// chunk is a piece of a test's output, and the test (or subtest) that
// wrote it.
type chunk struct{ test, text string }

// summarise copies the output of in to out as described above and returns
// the counts, which it prints last. As plain go test does, it prints a
// failed test's output (less that of its subtests that passed or were
// skipped), a failed package's whole output, and of a package that passed
// only its summary line.
func summarise(in io.Reader, out io.Writer, verbose bool) (counts, error) {
	var c counts
	write := func(s string) { _, _ = io.WriteString(out, s) }
	// The output of each running top-level test and its subtests, in the
	// order go test wrote it, and of each package outside its tests.
	tests := map[[2]string][]chunk{}
	packages := map[string]*strings.Builder{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Not an event (go vet's or the linker's own words): as it is.
			write(string(line) + "\n")
			continue
		}
		top, _, _ := strings.Cut(e.Test, "/")
		key := [2]string{e.Package, top}
		switch {
		case e.Action == "build-output":
			write(e.Output)
		case e.Action == "output" && verbose:
			write(e.Output)
		case e.Action == "output" && strings.HasPrefix(e.Output, "=== "):
			// go test -json runs the tests verbosely; plain go test has no
			// such lines.
		case e.Action == "output" && e.Test == "":
			b := packages[e.Package]
			if b == nil {
				b = &strings.Builder{}
				packages[e.Package] = b
			}
			b.WriteString(e.Output)
		case e.Action == "output":
			tests[key] = append(tests[key], chunk{e.Test, e.Output})
		case e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			switch e.Action {
			case "pass":
				c.passed++
			case "fail":
				c.failed++
			case "skip":
				c.skipped++
			}
			if e.Test != top {
				if e.Action != "fail" {
					tests[key] = slices.DeleteFunc(tests[key], func(ch chunk) bool {
						return ch.test == e.Test || strings.HasPrefix(ch.test, e.Test+"/")
					})
				}
				break
			}
			if e.Action == "fail" {
				for _, ch := range tests[key] {
					write(ch.text)
				}
			}
			delete(tests, key)
		case e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			var text string
			if b := packages[e.Package]; b != nil {
				text = b.String()
			}
			delete(packages, e.Package)
			if e.Action == "fail" {
				c.packagesFailed++
			}
			for l := range strings.Lines(text) {
				if e.Action != "pass" && l != "PASS\n" || strings.HasPrefix(l, "ok ") {
					write(l)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return c, err
	}
	fmt.Fprintln(out, c)
	return c, nil
}
