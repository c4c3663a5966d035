package handoff

import (
	"net"
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// A run fetches its source pages with the run's credentials as the
// fetcher's secrets: a page whose server puts the approved key, the invalid
// key or the ledger token into a header line Go quotes into its error text
// records a reason without it. The secrets have no vendor's shape, so only
// the credentials the run hands the fetcher can hide them.
func TestRunScrubsSourcePagesOfTheRunsCredentials(t *testing.T) {
	secrets := map[string]string{
		"approved": "gw7Hq2Lm9Xk4Tz8Rp3Vn",
		"invalid":  "Qe5Wd1Zc6Yb0Ua9Ts4Rf",
		"ledger":   "Lt3Mn8Bv2Cx7Zk1Jh6Gf",
	}
	pages := echoingPageServer(t, secrets)
	f := newFakeAPI(t)
	c := completeCheck(f)
	c.ApprovedKey, c.InvalidKey, c.Request.Credentials = secrets["approved"], secrets["invalid"], []string{secrets["ledger"]}
	c.SourceURLs = map[string]string{}
	for kind := range secrets {
		c.SourceURLs[kind] = pages + "/" + kind
	}
	o := newRunner(nil).Run(t.Context(), c, Previous{}, 10)
	if len(o.Sources) != len(secrets) {
		t.Fatalf("got %d pages, want %d", len(o.Sources), len(secrets))
	}
	for _, p := range o.Sources {
		if p.Result != "fail" || !strings.Contains(p.Message, "malformed") {
			t.Errorf("%s = %s %q, want a failure quoting the malformed header", p.Kind, p.Result, p.Message)
		}
		for name, secret := range secrets {
			if strings.Contains(p.Message, secret[:8]) || strings.Contains(o.Log, secret[:8]) {
				t.Errorf("the %s page's reason or the log holds the %s credential", p.Kind, name)
			}
		}
	}
}

// echoingPageServer answers GET /<name> with a Location header holding a
// control character and secrets[name], which net/http refuses and quotes.
func echoingPageServer(t *testing.T, secrets map[string]string) string {
	t.Helper()
	raw, err := standin.StartRaw(func(conn net.Conn, requestLine string, _ <-chan struct{}) {
		fields := strings.Fields(requestLine)
		if len(fields) < 2 {
			return
		}
		secret := secrets[strings.TrimPrefix(fields[1], "/")]
		_, _ = conn.Write([]byte("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1/\x01/" + secret + "\r\nContent-Length: 0\r\n\r\n"))
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(raw.Close)
	return raw.URL
}
