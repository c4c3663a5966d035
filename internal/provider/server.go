package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// NewProtocol6 serves the provider through the framework. main.go and the
// tests share it, so what the tests exercise is what Terraform talks to.
func NewProtocol6(version string) func() tfprotov6.ProviderServer {
	return serve(newProvider(version))
}

func serve(p *costhandoffProvider) func() tfprotov6.ProviderServer {
	framework := providerserver.NewProtocol6(p)
	return func() tfprotov6.ProviderServer {
		server := framework()
		if full, ok := server.(frameworkServer); ok {
			return nullArguments{full}
		}
		return server
	}
}

// frameworkServer is every RPC the framework's server answers, the optional
// ones included, so that wrapping it hides none of them. The optional
// interfaces are deprecated only because their methods will move into
// ProviderServer; until then tf6server finds them by these very types.
// TestServerHidesNothingTheFrameworkServes compares this set with the
// framework server's methods, so one added by an upgrade is not lost here.
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ProviderServerWithListResource //nolint:staticcheck // see above
	tfprotov6.ProviderServerWithActions      //nolint:staticcheck // see above
	tfprotov6.ProviderServerWithStateStores  //nolint:staticcheck // see above
}

// nullArguments passes every call to the framework unchanged but one detail
// of CallFunction, a workaround for OpenTofu. Given a null function argument
// (missing_tags(null), or a variable whose value is null), OpenTofu sends a
// DynamicValue with neither its JSON nor its MessagePack field set, where
// Terraform sends the MessagePack encoding of null (the single byte 0xc0).
// The framework cannot decode an empty value ("DynamicValue had no JSON or
// msgpack data set") and fails the call, although the function declares the
// parameter nullable. No OpenTofu issue was found to link when this was
// written; link it here when there is one. Such an argument is given the
// encoding of null, which is what it means, so missing_tags(null) works on
// both CLIs.
//
// The wrapper can go when OpenTofu sends a MessagePack null for a null
// argument (or the framework reads an empty DynamicValue as null): then
// TestMissingTagsNullArgumentAsOpenTofuSendsIt's "no data" case no longer
// describes any CLI, and the acceptance test of missing_tags(null) passes on
// OpenTofu with the framework's server served directly.
type nullArguments struct{ frameworkServer }

// msgpackNil is MessagePack's encoding of nil.
var msgpackNil = []byte{0xc0}

func (s nullArguments) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	if req != nil {
		for i, arg := range req.Arguments {
			if arg == nil || (arg.JSON == nil && arg.MsgPack == nil) {
				req.Arguments[i] = &tfprotov6.DynamicValue{MsgPack: msgpackNil}
			}
		}
	}
	return s.frameworkServer.CallFunction(ctx, req)
}
