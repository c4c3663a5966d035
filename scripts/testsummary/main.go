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
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

type counts struct {
	passed, failed, skipped, packagesFailed int
}

func (c counts) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", c.passed, c.failed, c.skipped)
}

// summarise copies the output of in to out as described above and returns
// the counts, which it prints last.
func summarise(in io.Reader, out io.Writer, verbose bool) (counts, error) {
	var c counts
	// The output of each running top-level test and its subtests, in the
	// order go test wrote it, printed only if the test fails.
	pending := map[[2]string]*strings.Builder{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Not an event (go vet's or the linker's own words): as it is.
			fmt.Fprintf(out, "%s\n", line)
			continue
		}
		top, _, _ := strings.Cut(e.Test, "/")
		key := [2]string{e.Package, top}
		switch {
		case e.Action == "build-output":
			_, _ = io.WriteString(out, e.Output)
		case e.Action == "output" && verbose:
			_, _ = io.WriteString(out, e.Output)
		case e.Action == "output" && strings.HasPrefix(e.Output, "=== "):
			// go test -json runs the tests verbosely; plain go test has no
			// such lines.
		case e.Action == "output" && e.Test == "":
			if e.Output != "PASS\n" {
				_, _ = io.WriteString(out, e.Output)
			}
		case e.Action == "output":
			b := pending[key]
			if b == nil {
				b = &strings.Builder{}
				pending[key] = b
			}
			b.WriteString(e.Output)
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
				break
			}
			if b := pending[key]; b != nil && e.Action == "fail" {
				_, _ = io.WriteString(out, b.String())
			}
			delete(pending, key)
		case e.Test == "" && e.Action == "fail":
			c.packagesFailed++
		}
	}
	if err := sc.Err(); err != nil {
		return c, err
	}
	fmt.Fprintln(out, c)
	return c, nil
}
