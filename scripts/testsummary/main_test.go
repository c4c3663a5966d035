package main

import (
	"strings"
	"testing"
)

func TestSummarise(t *testing.T) {
	t.Parallel()
	const stream = `{"Action":"start","Package":"example.com/a"}
{"Action":"run","Package":"example.com/a","Test":"TestOK"}
{"Action":"output","Package":"example.com/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"example.com/a","Test":"TestOK","Output":"--- PASS: TestOK (0.00s)\n"}
{"Action":"pass","Package":"example.com/a","Test":"TestOK"}
{"Action":"run","Package":"example.com/a","Test":"TestBad"}
{"Action":"output","Package":"example.com/a","Test":"TestBad","Output":"=== RUN   TestBad\n"}
{"Action":"run","Package":"example.com/a","Test":"TestBad/sub"}
{"Action":"output","Package":"example.com/a","Test":"TestBad/sub","Output":"=== RUN   TestBad/sub\n"}
{"Action":"output","Package":"example.com/a","Test":"TestBad","Output":"--- FAIL: TestBad (0.00s)\n"}
{"Action":"output","Package":"example.com/a","Test":"TestBad/sub","Output":"    --- FAIL: TestBad/sub (0.00s)\n"}
{"Action":"output","Package":"example.com/a","Test":"TestBad/sub","Output":"        a_test.go:9: got 1, want 2\n"}
{"Action":"fail","Package":"example.com/a","Test":"TestBad/sub"}
{"Action":"run","Package":"example.com/a","Test":"TestBad/fine"}
{"Action":"output","Package":"example.com/a","Test":"TestBad/fine","Output":"    --- PASS: TestBad/fine (0.00s)\n"}
{"Action":"output","Package":"example.com/a","Test":"TestBad/fine","Output":"        a_test.go:12: a passing subtest's log\n"}
{"Action":"pass","Package":"example.com/a","Test":"TestBad/fine"}
{"Action":"fail","Package":"example.com/a","Test":"TestBad"}
{"Action":"run","Package":"example.com/a","Test":"TestAcc"}
{"Action":"output","Package":"example.com/a","Test":"TestAcc","Output":"    acc_test.go:3: TF_ACC is not set\n"}
{"Action":"skip","Package":"example.com/a","Test":"TestAcc"}
{"Action":"output","Package":"example.com/a","Output":"FAIL\n"}
{"Action":"output","Package":"example.com/a","Output":"FAIL\texample.com/a\t0.01s\n"}
{"Action":"fail","Package":"example.com/a"}
{"ImportPath":"example.com/b","Action":"build-output","Output":"b.go:3:1: syntax error\n"}
{"Action":"output","Package":"example.com/c","Output":"e2e: skipped: TF_ACC is not set\n"}
{"Action":"output","Package":"example.com/c","Output":"PASS\n"}
{"Action":"output","Package":"example.com/c","Output":"ok  \texample.com/c\t0.02s\n"}
{"Action":"pass","Package":"example.com/c"}
{"Action":"output","Package":"example.com/d","Output":"?   \texample.com/d\t[no test files]\n"}
{"Action":"skip","Package":"example.com/d"}
not json: printed as it is
`
	var out strings.Builder
	c, err := summarise(strings.NewReader(stream), &out, false)
	if err != nil {
		t.Fatal(err)
	}
	if c.passed != 2 || c.failed != 2 || c.skipped != 1 || c.packagesFailed != 1 {
		t.Errorf("counts %+v, want 2 passed (a test and a subtest), 2 failed (a test and its subtest), 1 skipped, 1 package failed", c)
	}
	got := out.String()
	for _, want := range []string{"--- FAIL: TestBad (0.00s)\n    --- FAIL: TestBad/sub (0.00s)\n        a_test.go:9: got 1, want 2\n", "FAIL\texample.com/a", "b.go:3:1: syntax error\n", "ok  \texample.com/c", "?   \texample.com/d\t[no test files]\n", "not json: printed as it is\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"--- PASS: TestOK", "TF_ACC is not set", "=== RUN", "--- PASS: TestBad/fine", "a passing subtest's log", "PASS\n"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("output has %q, which go test without -v does not print:\n%s", unwanted, got)
		}
	}
	if lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n"); lines[len(lines)-1] != "2 passed, 2 failed, 1 skipped" {
		t.Errorf("last line %q, want the counts alone", lines[len(lines)-1])
	}

	out.Reset()
	if _, err := summarise(strings.NewReader(stream), &out, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "--- PASS: TestOK") {
		t.Errorf("-v left out a passing test's output:\n%s", out.String())
	}
}
