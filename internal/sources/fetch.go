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

// Options configures a Fetcher. The zero value is usable.
type Options struct {
	// Transport carries the requests; nil => PublicPageTransport(). A
	// transport given here replaces the dial-time address check; the checks
	// of each requested URL and redirect still apply.
	Transport     http.RoundTripper
	Now           func() time.Time // nil => time.Now
	Timeout       time.Duration    // per page; zero => 10s
	MaxConcurrent int              // < 1 => 4
}

// Fetcher checks source pages. It is safe for concurrent use.
type Fetcher struct {
	client        *http.Client
	now           func() time.Time
	timeout       time.Duration
	maxConcurrent int
}

// NewFetcher returns a Fetcher with the defaults filled in.
func NewFetcher(opts Options) *Fetcher {
	f := &Fetcher{
		now:           opts.Now,
		timeout:       opts.Timeout,
		maxConcurrent: opts.MaxConcurrent,
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.timeout <= 0 {
		f.timeout = defaultTimeout
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
// whose body (at most 5 MiB) was read within Timeout. Pages are sorted by Kind.
// Once ctx is done, requests in flight are abandoned and pages not yet
// fetched fail as "canceled" without a request.
func (f *Fetcher) Fetch(ctx context.Context, urls map[string]string) []Page {
	kinds := sortedKinds(urls)
	pages := make([]Page, len(kinds))
	slots := make(chan struct{}, f.maxConcurrent)
	var wg sync.WaitGroup
	for i, kind := range kinds {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			pages[i] = f.fetchPage(ctx, kind, urls[kind])
		})
	}
	wg.Wait()
	return pages
}

func (f *Fetcher) fetchPage(ctx context.Context, kind, rawURL string) Page {
	pageCtx, cancel := context.WithTimeout(ctx, f.timeout)
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
		// line, a Location header): it goes through the sanitiser.
		page.Message = sanitize.New().Text(failureMessage(ctx, pageCtx, err), sanitize.MaxMessageRunes)
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

// failureMessage turns a fetch error into a short reason. ctx is the caller's
// context, pageCtx the per-page one derived from it.
func failureMessage(ctx, pageCtx context.Context, err error) string {
	var netErr net.Error
	switch {
	case ctx.Err() != nil:
		return "canceled"
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
