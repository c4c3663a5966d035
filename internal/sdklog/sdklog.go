// Package sdklog decides, once per provider process, whether the plugin
// SDKs log at all.
package sdklog

import "os"

// settings are the variables through which Terraform users ask for logs.
var settings = []string{"TF_LOG", "TF_LOG_PATH", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO"}

// QuietUnlessAsked turns the plugin SDKs' logging off when nobody asked for
// logs. Terraform then discards whatever a provider logs, yet the SDKs would
// still format every trace line as JSON and Terraform would still parse it,
// a large share of a plan's CPU time (`make bench` measures it). Any
// TF_LOG* setting keeps them on. It must run before the server starts.
func QuietUnlessAsked() {
	quietUnlessAsked(os.Getenv, os.Setenv)
}

func quietUnlessAsked(getenv func(string) string, setenv func(string, string) error) {
	for _, name := range settings {
		if getenv(name) != "" {
			return
		}
	}
	for _, name := range settings[2:] {
		_ = setenv(name, "off")
	}
}
