package main

import (
	"flag"
	"log"
	"os"
	"runtime/debug"

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
	collectGarbageLessOften()
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

// gcPercent lets the heap grow to 5 times what survived the last
// collection before the next one. A provider process lives for one
// Terraform command and keeps little, but the plugin framework allocates
// heavily on every call, so at Go's default collection takes a large share
// of the provider's CPU in a plan of many checks, for little memory saved;
// `make bench` measures both.
const gcPercent = 400

// collectGarbageLessOften applies gcPercent unless GOGC says otherwise.
func collectGarbageLessOften() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
