package provider

import (
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
)

// The wrapper that gives OpenTofu's null arguments their encoding hides
// nothing the framework serves. The list of methods is the framework
// server's own method set, read by reflection, not a list kept here: when
// a framework upgrade adds an optional server (tf6server finds each one by a
// type assertion on the server it is given), this test fails until
// frameworkServer embeds it too.
func TestServerHidesNothingTheFrameworkServes(t *testing.T) {
	t.Parallel()
	framework := reflect.TypeOf(providerserver.NewProtocol6(newProvider("test"))())
	served := NewProtocol6("test")()
	if _, wrapped := served.(nullArguments); !wrapped {
		t.Fatal("NewProtocol6 no longer wraps the framework's server: OpenTofu's null arguments would fail again")
	}
	wrapper := reflect.TypeOf(served)
	if framework.NumMethod() == 0 {
		t.Fatalf("the framework's server %v has no methods: the comparison below would prove nothing", framework)
	}
	for i := range framework.NumMethod() {
		name := framework.Method(i).Name
		if _, ok := wrapper.MethodByName(name); !ok {
			t.Errorf("the framework's server answers %s, but NewProtocol6's wrapper hides it: embed the optional server interface that declares it in frameworkServer", name)
		}
	}
}
