package sdklog

import (
	"maps"
	"testing"
)

func TestQuietUnlessAsked(t *testing.T) {
	off := map[string]string{"TF_LOG_PROVIDER": "off", "TF_LOG_SDK": "off", "TF_LOG_SDK_FRAMEWORK": "off", "TF_LOG_SDK_PROTO": "off"}
	tests := []struct {
		name string
		env  map[string]string
		want map[string]string
	}{
		{"nothing asked: the SDKs are turned off", map[string]string{}, off},
		{"TF_LOG asks for logs", map[string]string{"TF_LOG": "trace"}, map[string]string{"TF_LOG": "trace"}},
		{"TF_LOG_PATH asks for logs", map[string]string{"TF_LOG_PATH": "/tmp/tf.log"}, map[string]string{"TF_LOG_PATH": "/tmp/tf.log"}},
		{"one SDK asked for", map[string]string{"TF_LOG_SDK_PROTO": "debug"}, map[string]string{"TF_LOG_SDK_PROTO": "debug"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := maps.Clone(tt.env)
			quietUnlessAsked(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
			if !maps.Equal(env, tt.want) {
				t.Errorf("environment %v, want %v", env, tt.want)
			}
		})
	}
}
