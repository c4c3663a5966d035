package main

import (
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/provider"
)

// Set by goreleaser through ldflags.
var (
	version = "dev"
	commit  = "none"
)

func main() {
	quietUnlessAsked()
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	if err := tf6server.Serve("registry.terraform.io/costhandoff/costhandoff", provider.NewProtocol6(version), opts...); err != nil {
		log.Fatalf("serving provider %s (%s): %s", version, commit, err)
	}
}

// logSettings are the variables through which Terraform users ask for logs.
var logSettings = []string{"TF_LOG", "TF_LOG_PATH", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO"}

// quietUnlessAsked turns the plugin SDKs' logging off when nobody asked for
// logs. Terraform then discards whatever a provider logs, yet the SDKs would
// still format every trace line as JSON: about a quarter of the CPU time of
// a plan (bench/results/latest.md). Any TF_LOG* setting keeps them on.
func quietUnlessAsked() {
	for _, name := range logSettings {
		if os.Getenv(name) != "" {
			return
		}
	}
	for _, name := range logSettings[2:] {
		_ = os.Setenv(name, "off")
	}
}
