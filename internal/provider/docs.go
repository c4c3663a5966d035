package provider

import (
	"strings"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
)

// codeList renders names for docs: `a`, `b`, `c`.
func codeList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "`" + n + "`"
	}
	return strings.Join(quoted, ", ")
}

// reasonCodes lists every decision reason for the docs, in the decision's order.
func reasonCodes() string {
	codes := make([]string, len(handoff.Reasons))
	for i, r := range handoff.Reasons {
		codes[i] = string(r.Code)
	}
	return codeList(codes)
}
