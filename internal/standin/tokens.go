package standin

import (
	"encoding/json"
	"strings"
)

// How the stand-in counts a request's prompt tokens: about as a real
// tokenizer would, from the prompt's words, so that a longer prompt (a
// ledger signature's padding among them) gives more prompt tokens.
//
// A prompt of one word ("ping", the default) counts promptTokens, as a chat
// template's few tokens around it do on the real APIs.

// promptOverhead is what a chat template adds to the prompt's own tokens.
const promptOverhead = promptTokens - 1

// promptTextKeys are the request body fields that hold the prompt in the
// four protocols: chat and Anthropic messages, the Responses input, Gemini
// contents, and the system or instructions text.
var promptTextKeys = []string{"messages", "input", "contents", "system", "instructions"}

// countPromptTokens is the body's prompt tokens: the template's overhead
// and one per word of the text the prompt fields hold.
func countPromptTokens(body []byte) int {
	var fields map[string]any
	if json.Unmarshal(body, &fields) != nil {
		return promptTokens
	}
	words := 0
	for _, k := range promptTextKeys {
		words += wordsIn(fields[k], "")
	}
	if words == 0 {
		return promptTokens
	}
	return promptOverhead + words
}

// wordsIn counts the words of every string in v but a role or a type.
func wordsIn(v any, key string) int {
	switch v := v.(type) {
	case string:
		if key == "role" || key == "type" {
			return 0
		}
		return len(strings.Fields(v))
	case []any:
		n := 0
		for _, e := range v {
			n += wordsIn(e, key)
		}
		return n
	case map[string]any:
		n := 0
		for k, e := range v {
			n += wordsIn(e, k)
		}
		return n
	default:
		return 0
	}
}
