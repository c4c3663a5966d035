package sources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

const (
	userAgent    = "terraform-provider-costhandoff (source check)"
	acceptHeader = "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8"

	defaultTimeout       = 10 * time.Second
	DefaultDeadline      = 20 * time.Second
	defaultMaxConcurrent = 4
	maxRedirects         = 5
	maxBodyBytes         = 5 << 20
	maxHeaderBytes       = 64 << 10
)

var (
	errTooManyRedirects  = errors.New("too many redirects")
	errUnsupportedScheme = errors.New("unsupported URL scheme (want http or https)")
	errCredentialsInURL  = errors.New("URL carries user info; refused")
	errInvalidURL        = errors.New("invalid URL")
	errBodyTooLarge      = errors.New("body larger than 5 MiB")
)

// MaxPages is how many source_urls one check may have. Each page is a
// request during every apply (and every refresh with watch_sources) and
// holds a slot of the run's one deadline: past a few dozen, pages would
// fail for want of time rather than tell anything. A handoff cites four
// kinds; 32 leaves room for every extra kind a team documents. The plan
// refuses more (CheckPageCount); Fetch never requests a page past it.
const MaxPages = 32

// CheckPageCount is the rule on the number of source_urls, for the plan.
func CheckPageCount(n int) error {
	if n > MaxPages {
		return fmt.Errorf("source_urls has %d entries, more than the %d a check may have: every page is fetched within "+
			"one shared deadline at each apply and watched refresh. Keep the pages the handoff cites (pricing, support, "+
			"allocation, unit_economics and a few extra kinds) and split the rest across checks", n, MaxPages)
	}
	return nil
}

// Options configures a Fetcher. The zero value is usable.
type Options struct {
	// Transport carries the requests; nil => PublicPageTransport(). A
	// transport given here replaces the dial-time address check; the checks
	// of each requested URL and redirect still apply.
	Transport http.RoundTripper
	Now       func() time.Time // nil => time.Now
	Timeout   time.Duration    // per page; zero => 10s
	// Deadline bounds one Fetch, all its pages together, however many
	// there are and however slowly each answers; zero => 20s. A page not
	// done by then fails as a timeout, and one not started is never
	// requested.
	Deadline      time.Duration
	MaxConcurrent int // < 1 => 4
}

// Fetcher checks source pages. It is safe for concurrent use.
type Fetcher struct {
	client        *http.Client
	now           func() time.Time
	timeout       time.Duration
	deadline      time.Duration
	maxConcurrent int
}

// NewFetcher returns a Fetcher with the defaults filled in.
func NewFetcher(opts Options) *Fetcher {
	f := &Fetcher{
		now:           opts.Now,
		timeout:       opts.Timeout,
		deadline:      opts.Deadline,
		maxConcurrent: opts.MaxConcurrent,
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.timeout <= 0 {
		f.timeout = defaultTimeout
	}
	if f.deadline <= 0 {
		f.deadline = DefaultDeadline
	}
	if f.maxConcurrent < 1 {
		f.maxConcurrent = defaultMaxConcurrent
	}
	transport := opts.Transport
	if transport == nil {
		transport = PublicPageTransport()
	}
	// No Jar: cookies a page sets are never sent back.
	f.client = &http.Client{Transport: transport, CheckRedirect: checkRedirect}
	return f
}

// Fetch GETs every URL concurrently, at most MaxConcurrent at a time, one
// attempt each and without any credential. A page passes on a 2xx response
// whose body (at most 5 MiB) was read within Timeout. All pages share one
// Deadline: a run of slow pages ends when it passes, however many there are.
// Pages past MaxPages fail without a request. Pages are sorted by Kind.
// Once ctx is done, requests in flight are abandoned and pages not yet
// fetched fail as "canceled" without a request.
//
// credentials are the secrets of the run (the API key, the invalid key,
// the ledger token): whatever a server makes the fetcher report (a
// malformed status line, a Location header, a transport error) is scrubbed
// of each of them, and of every key shape, before it is stored in a Page.
func (f *Fetcher) Fetch(ctx context.Context, urls map[string]string, credentials []string) []Page {
	runCtx, cancel := context.WithTimeout(ctx, f.deadline)
	defer cancel()
	scrub := sanitize.New(credentials...)
	kinds := sortedKinds(urls)
	pages := make([]Page, len(kinds))
	slots := make(chan struct{}, f.maxConcurrent)
	var wg sync.WaitGroup
	for i, kind := range kinds {
		if i >= MaxPages {
			pages[i] = f.failed(kind, urls[kind], fmt.Sprintf("not fetched: more than %d source_urls", MaxPages))
			continue
		}
		wg.Go(func() {
			select {
			case slots <- struct{}{}:
			case <-runCtx.Done():
				pages[i] = f.failed(kind, urls[kind], failureMessage(ctx, runCtx, runCtx, runCtx.Err(), f.deadline))
				return
			}
			defer func() { <-slots }()
			pages[i] = f.fetchPage(ctx, runCtx, kind, urls[kind], scrub)
		})
	}
	wg.Wait()
	return pages
}

// failed is a page that failed without a request.
func (f *Fetcher) failed(kind, rawURL, message string) Page {
	return Page{Kind: kind, URL: rawURL, Result: Fail, CheckedAt: f.now().UTC().Truncate(time.Second), Message: message}
}

// fetchPage fetches one page within both the run's deadline (runCtx) and
// the page's own timeout. ctx is the caller's context.
func (f *Fetcher) fetchPage(ctx, runCtx context.Context, kind, rawURL string, scrub *sanitize.Scrubber) Page {
	pageCtx, cancel := context.WithTimeout(runCtx, f.timeout)
	defer cancel()
	status, digest, err := f.get(pageCtx, rawURL)
	page := Page{
		Kind:       kind,
		URL:        rawURL,
		Result:     Pass,
		StatusCode: status,
		CheckedAt:  f.now().UTC().Truncate(time.Second),
		SHA256:     digest,
	}
	if err != nil {
		page.Result = Fail
		// The reason can quote what the server sent (a malformed status
		// line, a Location header): it goes through the sanitiser, with
		// every credential of the run.
		page.Message = scrub.Text(failureMessage(ctx, runCtx, pageCtx, err, f.deadline), sanitize.MaxMessageRunes)
	}
	return page
}

// get returns the status code (0 without a response) and, for a 2xx response
// read completely, the body's digest.
func (f *Fetcher) get(ctx context.Context, rawURL string) (int, string, error) {
	if err := ctx.Err(); err != nil {
		return 0, "", err
	}
	target, err := url.Parse(rawURL)
	if err != nil {
		return 0, "", errInvalidURL
	}
	if err := CheckTarget(target); err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return 0, "", errInvalidURL
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", acceptHeader)
	resp, err := f.client.Do(req)
	if err != nil {
		// On a refused redirect the client returns the last response too.
		if resp != nil {
			return resp.StatusCode, "", err
		}
		return 0, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, "", fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > maxBodyBytes {
		return resp.StatusCode, "", errBodyTooLarge
	}
	digest, err := digestBody(resp.Body)
	return resp.StatusCode, digest, err
}

// digestBody hashes the body, refusing one larger than maxBodyBytes.
func digestBody(body io.Reader) (string, error) {
	hash := sha256.New()
	n, err := io.Copy(hash, io.LimitReader(body, maxBodyBytes+1))
	if err != nil {
		return "", err
	}
	if n > maxBodyBytes {
		return "", errBodyTooLarge
	}
	return hex.EncodeToString(hash.Sum(nil)), nil
}

// checkRedirect bounds the redirect chain and applies the same rules to every
// hop as to the first URL.
func checkRedirect(req *http.Request, via []*http.Request) error {
	// Nothing sets Authorization today; this keeps a future change from
	// carrying one to another host.
	req.Header.Del("Authorization")
	if len(via) > maxRedirects {
		return errTooManyRedirects
	}
	return CheckTarget(req.URL)
}

// failureMessage turns a fetch error into a short reason. ctx is the
// caller's context, runCtx the run's (one deadline for every page) derived
// from it, pageCtx the page's own derived from runCtx.
func failureMessage(ctx, runCtx, pageCtx context.Context, err error, deadline time.Duration) string {
	var netErr net.Error
	switch {
	case ctx.Err() != nil:
		return "canceled"
	case runCtx.Err() != nil:
		return fmt.Sprintf("timeout: the %s all source pages share ran out", deadline)
	case pageCtx.Err() != nil, errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, ErrForbiddenAddress):
		return ErrForbiddenAddress.Error()
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err.Error()
	}
	return err.Error()
}

// PublicPageTransport is the transport for public source pages, built here
// rather than cloned from http.DefaultTransport so that what it trusts does
// not depend on what a program did to that global. It is not the AI API's
// transport (the probe builds that one, with the endpoint's extra CA): pages
// are public, so they never get the extra CA, and every address it dials is
// checked, so a host name resolving to a link-local or metadata address is
// refused before a packet is sent. Proxy settings from the environment apply;
// behind a proxy, the proxy resolves names and the dial check sees only the
// proxy's address.
func PublicPageTransport() *http.Transport {
	return &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            publicDialer().DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: maxHeaderBytes,
	}
}

// publicDialer is the dialer of PublicPageTransport: every address it is
// about to connect to passes checkDialedAddress first.
func publicDialer() *net.Dialer {
	return &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: checkDialedAddress}
}
