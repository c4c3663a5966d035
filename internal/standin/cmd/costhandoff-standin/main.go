// Command costhandoff-standin runs the local AI API stand-in as a process
// for the README's offline quick start, `make demo` and the benchmarks. It listens on loopback
// only, logs one line per request to stderr (never a key, header or query),
// and runs until SIGINT or SIGTERM. With -tls it serves HTTPS (h2 and
// http/1.1) under a fresh CA written to -ca-file; requests the HTTP/2 gate
// answers itself (the h2_* behaviours) are not logged. With -gateway it
// answers as a one-api or new-api gateway and serves that gateway's log API,
// or as a LiteLLM proxy (spend logs) or OpenRouter (generation records).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// quickStart is how to try the README's quick start against the stand-in,
// from a clone of the repository after make install: the README shows the
// same commands (a test holds them equal), and -h prints them.
const quickStart = `go build -o .build/bin/costhandoff-standin ./internal/standin/cmd/costhandoff-standin
.build/bin/costhandoff-standin -addr 127.0.0.1:8080 &   # the AI API and the source pages, on loopback only
export COSTHANDOFF_ENDPOINT="http://127.0.0.1:8080/v1"
export COSTHANDOFF_API_KEY="sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt"   # the stand-in's fake approved key
export COSTHANDOFF_OPERATOR="finops-platform"
export TF_VAR_source_urls='{ pricing = "http://127.0.0.1:8080/pages/pricing", support = "http://127.0.0.1:8080/pages/support", allocation = "http://127.0.0.1:8080/pages/allocation", unit_economics = "http://127.0.0.1:8080/pages/unit_economics" }'
cd examples/quickstart
terraform init
terraform apply
terraform output -raw handoff_log
kill %1   # stop the stand-in
`

// usage is what -h prints: what the command is, how to try the quick start
// against it, then the flags.
func usage(fs *flag.FlagSet, stderr io.Writer) func() {
	return func() {
		fmt.Fprint(stderr, `Usage: costhandoff-standin [flags]

Runs the local AI API stand-in on 127.0.0.1: the four API protocols with key
checking, usage objects and request ids, the source pages under /pages/{kind},
and (with -gateway) a one-api / new-api usage log. Nothing leaves the machine.

The README's quick start, offline against the stand-in (from a clone of the
repository, after make install):

`+quickStart+`
Flags:
`)
		fs.PrintDefaults()
	}
}

// shutdownGrace bounds how long a stop waits for answers being written.
const shutdownGrace = 5 * time.Second

func main() {
	os.Exit(exitCode())
}

func exitCode() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "costhandoff-standin:", err)
		return 1
	}
	return 0
}

// config is what the flags say.
type config struct {
	addr    string
	urlFile string
	tls     bool
	caFile  string
	options standin.Options
	// rowsWithoutIDs serves the gateway's usage log without request ids,
	// as new-api up to v0.10 does.
	rowsWithoutIDs bool
}

// keyList is a flag that may be repeated and may hold comma-separated keys.
type keyList []string

func (k *keyList) String() string { return fmt.Sprintf("%d keys", len(*k)) } // never the keys themselves

func (k *keyList) Set(v string) error {
	for key := range strings.SplitSeq(v, ",") {
		if key = strings.TrimSpace(key); key != "" {
			*k = append(*k, key)
		}
	}
	return nil
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	var (
		cfg       config
		keys      keyList
		behaviour string
		gateway   string
	)
	fs := flag.NewFlagSet("costhandoff-standin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = usage(fs, stderr)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:0", "listen address; loopback only (127.0.0.1, ::1 or localhost)")
	fs.Var(&keys, "api-key", "accepted API key; repeatable or comma-separated (default sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt)")
	fs.StringVar(&behaviour, "behaviour", string(standin.Normal), fmt.Sprintf("behaviour, one of %v", standin.Behaviours()))
	fs.DurationVar(&cfg.options.Latency, "latency", 0, "delay added before answering each AI request")
	fs.StringVar(&cfg.urlFile, "url-file", "", "write the base URL to this file once listening")
	fs.BoolVar(&cfg.tls, "tls", false, "serve HTTPS (h2 and http/1.1) under a fresh self-signed CA; needs -ca-file")
	fs.StringVar(&cfg.caFile, "ca-file", "", "with -tls, write the CA certificate (PEM) clients must trust to this file once listening")
	fs.StringVar(&gateway, "gateway", "", "answer as a gateway: one_api, new_api, litellm or openrouter (default: as the vendor)")
	fs.BoolVar(&cfg.rowsWithoutIDs, "ledger-rows-without-request-ids", false, "serve the gateway's usage log without request ids, as new-api up to v0.10 does")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg.options.APIKeys = keys
	cfg.options.Behaviour = standin.Behaviour(behaviour)
	if !slices.Contains(standin.Behaviours(), cfg.options.Behaviour) {
		return config{}, fmt.Errorf("-behaviour %q: want one of %v", behaviour, standin.Behaviours())
	}
	if cfg.options.Latency < 0 {
		return config{}, fmt.Errorf("-latency %v: must not be negative", cfg.options.Latency)
	}
	cfg.options.Gateway = standin.Gateway(gateway)
	switch cfg.options.Gateway {
	case standin.GatewayNone, standin.GatewayOneAPI, standin.GatewayNewAPI, standin.GatewayLiteLLM, standin.GatewayOpenRouter:
	default:
		return config{}, fmt.Errorf("-gateway %q: want %s, %s, %s or %s", gateway, standin.GatewayOneAPI, standin.GatewayNewAPI,
			standin.GatewayLiteLLM, standin.GatewayOpenRouter)
	}
	if cfg.tls != (cfg.caFile != "") {
		return config{}, errors.New("-tls and -ca-file go together: a client must be given the CA to trust")
	}
	return cfg, requireLoopbackHost(cfg.addr)
}

// requireLoopbackHost refuses any listen address that could be reached from
// another machine, before anything listens on it.
func requireLoopbackHost(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %q: the stand-in listens on loopback only (127.0.0.1, ::1 or localhost)", addr)
	}
	return nil
}

// run serves until ctx ends. ready, if not nil, is told the base URL once
// the stand-in listens.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(baseURL string)) error {
	cfg, err := parseConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	ln, err := listenLoopback(cfg.addr)
	if err != nil {
		return err
	}
	baseURL := "http://" + ln.Addr().String()
	logger := log.New(stderr, "costhandoff-standin: ", log.LstdFlags)
	s := standin.New(cfg.options)
	if cfg.rowsWithoutIDs {
		s.SetLedger(standin.LedgerOptions{NoRequestID: true})
	}
	srv := &http.Server{
		Handler:           logRequests(logger, s),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx }, // ends latency waits on stop
	}
	serve := func() error { return srv.Serve(ln) }
	if cfg.tls {
		caPEM, err := s.ConfigureTLS(ctx, srv)
		if err != nil {
			ln.Close()
			return err
		}
		if err := writeFileAtomically(cfg.caFile, "-ca-file", caPEM); err != nil {
			ln.Close()
			return err
		}
		defer os.Remove(cfg.caFile) // the next run makes a new CA
		baseURL = "https://" + ln.Addr().String()
		serve = func() error { return srv.ServeTLS(ln, "", "") }
	}
	served := make(chan error, 1)
	go func() { served <- serve() }()
	if cfg.urlFile != "" {
		if err := writeFileAtomically(cfg.urlFile, "-url-file", baseURL); err != nil {
			_ = srv.Close()
			return err
		}
		defer os.Remove(cfg.urlFile) // a stale URL would point the next script at nothing
	}
	logger.Printf("listening on %s (behaviour %s%s)", baseURL, cfg.options.Behaviour, gatewayNote(cfg.options.Gateway))
	if ready != nil {
		ready(baseURL)
	}
	return waitAndShutdown(ctx, srv, served, logger)
}

// listenLoopback listens on addr and checks what it got, as "localhost" is
// resolved only now.
func listenLoopback(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("-addr %q resolved to %s, which is not loopback", addr, ln.Addr())
	}
	return ln, nil
}

// writeFileAtomically writes content so that a script polling for the file
// never reads it half written; flag names the file in errors.
func writeFileAtomically(path, flag, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".costhandoff-standin-*")
	if err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", flag, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	return nil
}

func gatewayNote(g standin.Gateway) string {
	if g == standin.GatewayNone {
		return ""
	}
	return ", as a " + string(g) + " gateway"
}

func waitAndShutdown(ctx context.Context, srv *http.Server, served <-chan error, logger *log.Logger) error {
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Print("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
