package sanitize

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
)

// Kind is a kind of identifier a server supplies; each has a documented
// shape (DESIGN.md, "The security model").
type Kind int

const (
	// RequestID: a request id, an upstream request id, a body, call or
	// generation id: ASCII letters, digits and ._:/@+=- , 1 to 128.
	RequestID Kind = iota
	// Model: a model name (gpt-4o-mini, models/gemini-1.5-flash,
	// openai/gpt-4o, anthropic.claude-3-5-sonnet-20240620-v1:0): ASCII
	// letters, digits and ._:/@+- , 1 to 128.
	Model
	// Name: a token's or a provider's name, which people type: letters and
	// digits of any script, spaces and ._:/@+#()- , starting with a letter
	// or digit, 1 to 64.
	Name
)

var idShapes = map[Kind]*regexp.Regexp{
	RequestID: regexp.MustCompile(`^[A-Za-z0-9._:/@+=-]{1,128}$`),
	Model:     regexp.MustCompile(`^[A-Za-z0-9._:/@+-]{1,128}$`),
	Name:      regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} ._:/@+#()-]{0,63}$`),
}

// DigestPrefix starts what an identifier is stored as when it is not in
// its shape or holds a credential: "sha256:" and 16 hex digits of the
// value, which tell two values apart and cannot give one back.
const DigestPrefix = "sha256:"

// Identifier is the value of an identifier a server supplied, as it may be
// stored: unchanged if it has kind's shape and holds no credential run (in
// any encoding the canonical form undoes) and no key shape; otherwise a
// digest. An empty value stays empty.
func (s *Scrubber) Identifier(kind Kind, value string) string {
	if value == "" {
		return ""
	}
	shape, ok := idShapes[kind]
	if ok && shape.MatchString(value) && len(s.find(value, false)) == 0 {
		return value
	}
	return Digest(value)
}

// Digest is what an identifier not in its shape is stored as.
func Digest(value string) string {
	sum := sha256.Sum256([]byte(value))
	return DigestPrefix + hex.EncodeToString(sum[:8])
}
