package handoff

import (
	"fmt"
	"strings"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// Summary is the one line a diagnostic leads with.
func (o Outcome) Summary() string {
	return fmt.Sprintf("Cost handoff %s decided %s", o.RunID, o.Decision)
}

// Detail explains the decision for the warning or error diagnostic: the
// reasons with their meanings, what each path did, the source pages that
// failed, were skipped or changed, the ledger, the allocation findings and,
// last, the run's whole log. The stop error carries the log because
// Terraform does not update outputs after a failed apply, so the log in an
// output would be the previous run's. Every value in it is already scrubbed
// of credentials (the probe's and the ledger reader's work, through
// internal/sanitize) and flattened to one line.
func (o Outcome) Detail() string {
	var b strings.Builder
	if len(o.Reasons) > 0 {
		b.WriteString("Reasons:\n")
		for _, r := range o.Reasons {
			fmt.Fprintf(&b, "  - %s: %s\n", r, meaning(r))
		}
	}
	fmt.Fprintf(&b, "Happy path: %s (%s).\n", o.HappyPathResult, describePath(o.Probe.HappyPath))
	fmt.Fprintf(&b, "Error path: %s (%s). %s\n", o.ErrorPathResult, describePath(o.Probe.ErrorPath),
		errorPathExplanation(o.Probe.HappyPath, o.Probe.ErrorPath))
	if lines := o.sourceDetails(); len(lines) > 0 {
		b.WriteString("Source pages:\n")
		for _, l := range lines {
			b.WriteString("  - " + l + "\n")
		}
	}
	if l := o.Ledger; l != nil {
		fmt.Fprintf(&b, "Ledger: %s", l.Status)
		if l.MatchedBy != "" {
			fmt.Fprintf(&b, ", matched by %s", l.MatchedBy)
			if l.HasQuota { // LiteLLM and OpenRouter give a cost, no quota
				fmt.Fprintf(&b, ", quota %d", l.Quota)
			}
			if l.ChargedUSD != "" {
				fmt.Fprintf(&b, ", charged_usd %s", l.ChargedUSD)
			}
		}
		if m := oneLine(l.Message); m != "" {
			b.WriteString(": " + m)
		}
		b.WriteString(".\n")
	}
	if !o.Allocation.Complete() {
		b.WriteString("Allocation: " + oneLine(o.Allocation.Message()) + ".\n")
	}
	b.WriteString("Log of " + o.RunID + ":\n" + o.Log)
	return b.String()
}

// describePath names what one path did: category, status, attempts, request
// id and message.
func describePath(r probe.Result) string {
	parts := []string{string(r.Category)}
	if r.Category == "" {
		parts[0] = "not sent"
	}
	if r.StatusCode != 0 {
		parts = append(parts, fmt.Sprintf("HTTP %d", r.StatusCode))
	}
	parts = append(parts, attempts(r.Attempts))
	if id := oneLine(r.RequestID); id != "" {
		parts = append(parts, "request id "+id)
	}
	// The probe's message repeats the status; it is said once, above.
	if m := strings.TrimPrefix(oneLine(r.Message), fmt.Sprintf("HTTP %d: ", r.StatusCode)); m != "" {
		parts = append(parts, m)
	}
	return strings.Join(parts, ", ")
}

func attempts(n int) string {
	if n == 1 {
		return "1 request on the wire"
	}
	return fmt.Sprintf("%d requests on the wire", n)
}

// errorPathExplanation says what the error path's outcome means. Only an
// invalid key actually answered as ok is called accepted; an endpoint that
// could not be reached or failed is named as such, since alarming about an
// accepted key then would send people after the wrong problem.
func errorPathExplanation(happy, errPath probe.Result) string {
	switch errorPathResult(happy, errPath) {
	case resultPass:
		return "The invalid key was refused as an authentication failure, as it must be."
	case resultInconclusive:
		return "The endpoint refused both keys as authentication failures, so the error path proves nothing about key enforcement: " +
			"check api_protocol and the auth header it sends, and that the approved key is not revoked."
	}
	unproven := "so it is unknown whether an invalid key would be refused."
	switch errPath.Category {
	case probe.CategoryOK:
		return "The endpoint ACCEPTED an invalid key: whoever holds any key of this shape may spend on the account. This is the worst finding: stop using this endpoint until it refuses invalid keys."
	case probe.CategoryTimeout:
		return "No complete answer came in time, " + unproven
	case probe.CategoryNetworkError:
		return "The endpoint could not be reached, " + unproven
	case probe.CategoryServerError:
		return "The endpoint answered with a server error, " + unproven
	case "":
		return "The request was not sent, " + unproven
	}
	return fmt.Sprintf("The endpoint answered %s instead of refusing the invalid key as an authentication failure, %s", errPath.Category, unproven)
}

// sourceDetails names each page that failed or was skipped, with its URL,
// status and message, and each page that changed.
func (o Outcome) sourceDetails() []string {
	var lines []string
	for _, p := range o.Sources {
		head := oneLine(p.Kind) + " " + oneLine(p.URL)
		switch p.Result {
		case sources.Fail:
			status := "no response"
			if p.StatusCode != 0 {
				status = fmt.Sprintf("HTTP %d", p.StatusCode)
			}
			line := head + ": failed, " + status
			if m := oneLine(p.Message); m != "" && m != status {
				line += " (" + m + ")"
			}
			lines = append(lines, line)
		case sources.Skipped:
			lines = append(lines, head+": skipped, not fetched (verify_sources is false)")
		}
	}
	for _, kind := range o.ChangedSources {
		for _, p := range o.Sources {
			if p.Kind == kind {
				lines = append(lines, oneLine(p.Kind)+" "+oneLine(p.URL)+": changed since the previous run")
			}
		}
	}
	return lines
}
