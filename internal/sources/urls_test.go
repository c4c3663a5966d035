package sources

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

func TestParseHTTPURL(t *testing.T) {
	tests := []struct {
		raw     string
		wantErr string // the whole error, "" for none
	}{
		{raw: "https://example.com/pricing"},
		{raw: "http://example.com"},
		{raw: "HTTPS://EXAMPLE.COM/Pricing?tab=api#tokens"},
		{raw: "http://127.0.0.1:8080/pages/pricing"},
		{raw: "http://[::1]:8080/pages/pricing"},
		{raw: "", wantErr: `"" is not an absolute URL: write it as https://host/path`},
		{raw: "/pricing", wantErr: `"/pricing" is not an absolute URL: write it as https://host/path`},
		{raw: "example.com/pricing", wantErr: `"example.com/pricing" is not an absolute URL: did you mean "https://example.com/pricing"?`},
		{raw: "localhost:8080/v1", wantErr: `"localhost:8080/v1" is not an absolute URL: did you mean "https://localhost:8080/v1"?`},
		{raw: "mailto:billing@example.com", wantErr: `"mailto:billing@example.com" is not an absolute URL: write it as https://host/path`},
		{raw: "javascript:alert(1)", wantErr: `"javascript:alert(1)" is not an absolute URL: write it as https://host/path`},
		{raw: "htp://x", wantErr: `"htp://x" must start with https:// or http://`},
		{raw: "ftp://example.com/pricing", wantErr: `"ftp://example.com/pricing" must start with https:// or http://`},
		{raw: "file:///etc/passwd", wantErr: `"file:///etc/passwd" must start with https:// or http://`},
		{raw: "https://", wantErr: `"https://" has no host: write it as https://host/path`},
		{raw: "https:///pricing", wantErr: `"https:///pricing" has no host: write it as https://host/path`},
		{raw: "https://%zz.example.com/", wantErr: `"https://%zz.example.com/" is not a valid URL: write it as https://host/path`},
		{raw: " https://example.com/pricing", wantErr: `" https://example.com/pricing" has leading or trailing whitespace: remove it`},
		{raw: "https://example.com/pricing\n", wantErr: "has leading or trailing whitespace: remove it"},
		{raw: "https://user:fake-secret@example.com/pricing", wantErr: `"https://xxxxx@example.com/pricing" must not carry user info: a credential in a URL would be stored in state; remove the part before @`},
	}
	for _, tt := range tests {
		_, err := ParseHTTPURL(tt.raw)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ParseHTTPURL(%q) = %v, want nil", tt.raw, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ParseHTTPURL(%q) = %v, want %q", tt.raw, err, tt.wantErr)
		}
	}
}

func TestURLErrorsHideUserInfo(t *testing.T) {
	for _, raw := range []string{
		"https://user:s3cret@example.com/pricing",
		"ftp://user:s3cret@example.com/pricing",
		"https://user:s3cret@exa mple.com/pricing",
		" https://s3cret@example.com",
		"https://user:s3cret@@example.com?next=/x",
		"https://user:s3cret@169.254.169.254/",
	} {
		if err := CheckSourceURL(raw); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("CheckSourceURL(%q) = %v, want an error without the credential", raw, err)
		}
	}
}

func TestCheckSourceURL(t *testing.T) {
	const refused = "points to a link-local or cloud metadata address"
	tests := []struct {
		raw     string
		wantErr string
	}{
		{"https://example.com/pricing", ""},
		{"http://127.0.0.1:8080/pages/pricing", ""},
		{"http://10.0.0.1/pricing", ""},
		{"http://169.254.169.254/latest/meta-data/", refused},
		{"http://169.254.0.1:8080/", refused},
		{"https://169.254.255.255/", refused},
		{"http://[fe80::1]/", refused},
		{"http://[fe80::1%25eth0]/", refused},
		{"http://[febf::1]/", refused},
		{"http://[fd00:ec2::254]/", refused},
		{"http://[::ffff:169.254.169.254]/", refused},
		{"http://169.253.255.255/", ""},
		{"http://[fec0::1]/", ""},
		{"http://[fd00:ec2::253]/", ""},
		{"htp://169.254.169.254/", "must start with https:// or http://"},
	}
	for _, tt := range tests {
		err := CheckSourceURL(tt.raw)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("CheckSourceURL(%q) = %v, want nil", tt.raw, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("CheckSourceURL(%q) = %v, want it to contain %q", tt.raw, err, tt.wantErr)
		}
	}
}

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "127.0.0.1": true, "127.0.0.2": true, "::1": true,
		"localhost.example.com": false, "127.0.0.1.example.com": false, "0.0.0.0": false, "10.0.0.1": false, "": false,
	} {
		if got := IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// The dial check runs after name resolution, so it is what refuses a host
// name that resolves to a metadata address. The forbidden cases call the
// check directly: a broken check must not make the test reach a real
// metadata service.
func TestDialCheck(t *testing.T) {
	control := publicDialer().Control
	if control == nil {
		t.Fatal("publicDialer has no Control: dialed addresses are not checked")
	}
	for address, want := range map[string]error{
		"169.254.169.254:80":           ErrForbiddenAddress,
		"[fe80::1%eth0]:80":            ErrForbiddenAddress,
		"[fd00:ec2::254]:80":           ErrForbiddenAddress,
		"[::ffff:169.254.169.254]:443": ErrForbiddenAddress,
		"127.0.0.1:80":                 nil,
		"93.184.215.14:443":            nil,
	} {
		if err := control("tcp4", address, nil); !errors.Is(err, want) {
			t.Errorf("Control(%s) = %v, want %v", address, err, want)
		}
	}
	// Loopback still connects through the checked dialer.
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	conn, err := publicDialer().DialContext(t.Context(), "tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatalf("dial loopback = %v, want a connection", err)
	}
	_ = conn.Close()
}

func TestPublicPageTransport(t *testing.T) {
	transport := PublicPageTransport()
	if transport.MaxResponseHeaderBytes != maxHeaderBytes || transport.DialContext == nil || transport.TLSClientConfig != nil {
		t.Errorf("PublicPageTransport() = %+v, want bounded headers, the checked dialer and the system roots", transport)
	}
}

// The checks of each requested URL and redirect hold whatever the
// transport; this one answers itself and never dials.
func TestFetchRefusesMetadataTargets(t *testing.T) {
	var toMetadata atomic.Int32
	transport := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if strings.HasPrefix(r.URL.Host, "169.254.") || strings.Contains(r.URL.Host, "fe80") {
			toMetadata.Add(1)
			return nil, errors.New("request sent to a metadata address")
		}
		rec := httptest.NewRecorder()
		http.Redirect(rec, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		return rec.Result(), nil
	})
	tests := []struct {
		name       string
		url        string
		wantStatus int
	}{
		{name: "literal", url: "http://169.254.169.254/latest/meta-data/"},
		{name: "IPv6 link-local", url: "http://[fe80::a9fe:a9fe]/"},
		{name: "redirect to metadata", url: "https://pricing.example.test/", wantStatus: http.StatusFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages := NewFetcher(Options{Now: fakeClock, Transport: transport}).Fetch(t.Context(), map[string]string{"pricing": tt.url}, nil)
			want := Page{Kind: "pricing", URL: tt.url, Result: Fail, StatusCode: tt.wantStatus, CheckedAt: wantCheckedAt, Message: ErrForbiddenAddress.Error()}
			if len(pages) != 1 || pages[0] != want {
				t.Errorf("Fetch() = %#v\nwant %#v", pages, want)
			}
			if n := toMetadata.Load(); n != 0 {
				t.Errorf("%d requests went to a metadata address", n)
			}
		})
	}
}

func TestIsForbiddenAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"169.254.169.254": true, "169.254.0.0": true, "fe80::1": true, "fe80::1%eth0": true,
		"fd00:ec2::254": true, "::ffff:169.254.1.1": true,
		"169.255.0.1": false, "127.0.0.1": false, "::1": false, "fd00:ec2::1": false, "8.8.8.8": false,
	} {
		if got := IsForbiddenAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("IsForbiddenAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}
