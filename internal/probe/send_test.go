package probe

import (
	"context"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

// Send, for tests of one path alone, makes exactly one attempt with key and classifies it. Neither key nor
// any of otherSecrets (the other path's key) appears in any field of the
// Result, as sent or trimmed of surrounding space.
func (c *Client) Send(ctx context.Context, req Request, key string, otherSecrets ...string) Result {
	return c.send(ctx, req, key, sanitize.New(append(append([]string{key}, otherSecrets...), req.Credentials...)...))
}
