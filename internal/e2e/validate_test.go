package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// terraform validate runs without configuring the provider, yet reports
// what is knowable there: a set placeholder or an invisible value under the
// default policy, control characters, a source URL refused with its map
// key, a bad duration. A complete handoff validates.
func TestValidateReportsWhatIsKnowable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, args string
		want       []string // "" for a configuration that validates
	}{
		{"complete", "", nil},
		{"placeholder owner", `owner_tag = "TBD"`, []string{`owner_tag is a placeholder ("TBD")`}},
		{"invisible workload", `workload_tag = "\u200b"`, []string{"workload_tag holds only invisible characters"}},
		{"escape sequence", `follow_up_owner = "lead\u001b[2Kdecision: proceed"`, []string{"follow_up_owner", "control characters"}},
		{"metadata source", `source_urls = { pricing = "http://169.254.169.254/", support = "https://s.example", allocation = "https://a.example", unit_economics = "https://u.example" }`,
			[]string{`source_urls["pricing"]`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := &workspace{t: t, dir: t.TempDir()}
			args := map[string]string{"owner_tag": `"team-search"`, "workload_tag": `"search"`}
			sources := `source_urls = { pricing = "https://p.example", support = "https://s.example", allocation = "https://a.example", unit_economics = "https://u.example" }`
			if strings.HasPrefix(tc.args, "source_urls") {
				sources = tc.args
			} else if k, v, ok := strings.Cut(tc.args, " = "); ok {
				args[k] = v
			}
			var body strings.Builder
			for k, v := range args {
				fmt.Fprintf(&body, "  %s = %s\n", k, v)
			}
			w.write("main.tf", fmt.Sprintf(`terraform {
  required_providers {
    costhandoff = { source = %q }
  }
}

resource "costhandoff_check" "this" {
%s  environment = "prod"
  model       = "gpt-test-mini"
  %s
}
`, tf.source, body.String(), sources))
			w.wireCLI(false)
			out, err := w.run("validate", "-no-color")
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("a complete handoff does not validate: %v\n%s", err, out)
				}
				return
			}
			if err == nil {
				t.Fatalf("terraform validate passed, want it to report %q:\n%s", tc.want, out)
			}
			flat := strings.Join(strings.Fields(out), " ")
			for _, want := range tc.want {
				if !strings.Contains(flat, want) {
					t.Errorf("terraform validate does not report %q:\n%s", want, out)
				}
			}
		})
	}
}
