package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/provider"
)

// Set by goreleaser through ldflags.
var (
	version = "dev"
	commit  = "none"
)

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/costhandoff/costhandoff",
		Debug:   debug,
	})
	if err != nil {
		log.Fatalf("serving provider %s (%s): %s", version, commit, err)
	}
}
