package main

import (
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/provider"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sdklog"
)

// Set by goreleaser through ldflags.
var (
	version = "dev"
	commit  = "none"
)

func main() {
	sdklog.QuietUnlessAsked()
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
