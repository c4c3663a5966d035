package sources

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// This file is the one place the URL rules live: the plan-time checks of
// source_urls and of the endpoint (through handoff), the check of each URL a
// page fetch is about to request, and the check of every address a page
// fetch dials.

// ErrForbiddenAddress marks a URL, redirect or dialed address in a
// link-local or cloud metadata range. Such an address never serves a public
// pricing page; fetching it from a machine in a cloud could hand the
// instance's credentials to whoever controls the page's redirects.
var ErrForbiddenAddress = errors.New("link-local or cloud metadata address; refused")

// forbiddenPrefixes are the ranges ErrForbiddenAddress covers: IPv4
// link-local (which holds 169.254.169.254, the metadata service of most
// clouds), IPv6 link-local, and AWS's IPv6 metadata address.
var forbiddenPrefixes = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
}

// IsForbiddenAddr reports whether addr is in a link-local or cloud metadata
// range. An IPv4 address written as IPv6 (::ffff:169.254.169.254) counts as
// the IPv4 address it is.
func IsForbiddenAddr(addr netip.Addr) bool {
	addr = addr.Unmap().WithZone("")
	for _, p := range forbiddenPrefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// ParseHTTPURL parses an absolute http or https URL with a host, refusing
// what would pass here yet fail when fetched (surrounding space) and user
// info, a credential that would end up in state and in the handoff log.
// Each error quotes the URL without its user info and names the fix.
func ParseHTTPURL(raw string) (*url.URL, error) {
	shown := quote(withoutUserInfo(raw))
	if strings.TrimSpace(raw) != raw {
		return nil, fmt.Errorf("%s has leading or trailing whitespace: remove it", shown)
	}
	if !strings.Contains(raw, "://") {
		if suggestion, ok := withScheme(raw); ok {
			return nil, fmt.Errorf("%s is not an absolute URL: did you mean %s?", shown, quote(suggestion))
		}
		return nil, fmt.Errorf("%s is not an absolute URL: write it as https://host/path", shown)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s is not a valid URL: write it as https://host/path", shown)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%s must start with https:// or http://", shown)
	case u.User != nil:
		return nil, fmt.Errorf("%s must not carry user info: a credential in a URL would be stored in state; remove the part before @", shown)
	case u.Hostname() == "":
		return nil, fmt.Errorf("%s has no host: write it as %s://host/path", shown, u.Scheme)
	}
	return u, nil
}

// withScheme suggests "https://" + raw for a URL written without its
// scheme ("example.com/pricing"), when that reads as a host and a path.
func withScheme(raw string) (string, bool) {
	suggestion := "https://" + raw
	u, err := url.Parse(suggestion)
	if err != nil || u.User != nil {
		return "", false
	}
	host := u.Hostname()
	return suggestion, strings.Contains(host, ".") || IsLoopbackHost(host)
}

// CheckSourceURL is ParseHTTPURL plus the address rule for source pages: a
// literal link-local or metadata address is refused at plan time. A host
// name is checked when it is dialed (see PublicPageTransport).
func CheckSourceURL(raw string) error {
	u, err := ParseHTTPURL(raw)
	if err != nil {
		return err
	}
	if checkHost(u.Hostname()) != nil {
		return fmt.Errorf("%s points to a link-local or cloud metadata address, which never serves a public page; use the page's public URL", quote(withoutUserInfo(raw)))
	}
	return nil
}

// CheckTarget applies the source rules to a URL about to be requested: the
// first URL of a fetch and every redirect it follows. Its errors are short,
// because they end up in a page's message next to the URL.
func CheckTarget(target *url.URL) error {
	switch {
	case target.Scheme != "http" && target.Scheme != "https":
		return errUnsupportedScheme
	case target.User != nil:
		return errCredentialsInURL
	case target.Hostname() == "":
		return errInvalidURL
	}
	return checkHost(target.Hostname())
}

// checkHost refuses a host that is a forbidden literal address.
func checkHost(host string) error {
	if addr, err := netip.ParseAddr(host); err == nil && IsForbiddenAddr(addr) {
		return ErrForbiddenAddress
	}
	return nil
}

// IsLoopbackHost reports whether host (as url.URL.Hostname returns it) is
// localhost or a loopback address, the only hosts plain http may reach
// without allow_plain_http.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkDialedAddress is a net.Dialer Control function: it runs after name
// resolution and before the connection is made, so a host name that resolves
// to a forbidden address is refused without a packet sent to it.
func checkDialedAddress(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dialing %q: %w", address, err)
	}
	if IsForbiddenAddr(ap.Addr()) {
		return ErrForbiddenAddress
	}
	return nil
}

// withoutUserInfo masks whatever sits between "://" and the last "@" of the
// authority, textually, so that even a URL that does not parse is quoted
// without its credential.
func withoutUserInfo(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	authorityEnd := strings.IndexAny(rest, "/?#")
	if authorityEnd < 0 {
		authorityEnd = len(rest)
	}
	at := strings.LastIndex(rest[:authorityEnd], "@")
	if !ok || at < 0 {
		return raw
	}
	return scheme + "://xxxxx" + rest[at:]
}

func quote(s string) string { return `"` + s + `"` }
