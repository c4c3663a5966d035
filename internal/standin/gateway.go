package standin

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// How the stand-in answers as a gateway of the one-api / new-api family
// (DESIGN.md, The one-api / new-api gateway family). The gateway checks the key as a token of its own, may
// refuse the request itself (token disabled, expired or out of quota, the
// user out of quota, the model not allowed, no channel or no price for it),
// and otherwise passes it to the upstream, which is the vendor behaviour in
// force. Every answer carries the gateway's id in X-Oneapi-Request-Id, and
// every error ends its message with "(request id: …)". The gateway's own
// refusals, and the upstream's errors it passes on, are in OpenAI's error
// shape whatever the protocol, as one-api answers them.

// GatewayRequestIDHeader is where the gateway puts its own request id.
const GatewayRequestIDHeader = "X-Oneapi-Request-Id"

// knownChannel is the one channel a key may be pinned to (sk-<token>-1).
const knownChannel = 1

// The gateway refusals, each switched on by a behaviour of the same meaning.
// Without Options.Gateway they answer as one-api would.
const (
	GatewayTokenDisabled Behaviour = "gateway_token_disabled" // 401 该令牌状态不可用
	GatewayTokenExpired  Behaviour = "gateway_token_expired"  // 401 该令牌已过期
	GatewayTokenQuota    Behaviour = "gateway_token_quota"    // 401 该令牌额度已用尽 (new-api: after the masked key)
	GatewayUserQuota     Behaviour = "gateway_user_quota"     // 403 insufficient_user_quota (new-api: 用户额度不足)
	GatewayModelDenied   Behaviour = "gateway_model_denied"   // 403 该令牌无权使用模型 (new-api: 无权访问)
	GatewayNoChannel     Behaviour = "gateway_no_channel"     // 503 无可用渠道 (new-api: code model_not_found)
	GatewayNoPrice       Behaviour = "gateway_no_price"       // 500 model_price_error
	// GatewayTokenExhausted is a token one-api has already marked exhausted:
	// 401 令牌 <name>（#4）额度已用尽, not the first refusal's wording.
	GatewayTokenExhausted Behaviour = "gateway_token_exhausted"
)

// gatewayRefusal is one answer the gateway gives itself.
type gatewayRefusal int

const (
	gwMissingToken gatewayRefusal = iota
	gwInvalidToken
	gwInvalidChannel
	gwTokenDisabled
	gwTokenExpired
	gwTokenQuota
	gwUserQuota
	gwModelDenied
	gwNoChannel
	gwNoPrice
	gwTokenExhausted
)

var gatewayRefusalBehaviours = map[Behaviour]gatewayRefusal{
	GatewayTokenDisabled:  gwTokenDisabled,
	GatewayTokenExpired:   gwTokenExpired,
	GatewayTokenQuota:     gwTokenQuota,
	GatewayUserQuota:      gwUserQuota,
	GatewayModelDenied:    gwModelDenied,
	GatewayNoChannel:      gwNoChannel,
	GatewayNoPrice:        gwNoPrice,
	GatewayTokenExhausted: gwTokenExhausted,
}

// gatewayError is one refusal in a flavour's words; message may hold
// {model} and {masked_key}.
type gatewayError struct {
	status  int
	code    string
	message string
}

// gatewayFlavour is what differs between one-api and new-api.
type gatewayFlavour struct {
	errorType string
	refusals  map[gatewayRefusal]gatewayError
	// upstreamMessages rewrites the message of an upstream error by status
	// (the code is kept); nil passes the upstream's message on.
	upstreamMessages map[int]string
	// estimatesUsage: when the upstream sends no usage, the gateway answers
	// with its own estimate.
	estimatesUsage bool
}

var sharedRefusals = map[gatewayRefusal]gatewayError{
	gwMissingToken:   {http.StatusUnauthorized, "", "未提供令牌"},
	gwInvalidToken:   {http.StatusUnauthorized, "", "无效的令牌"},
	gwInvalidChannel: {http.StatusBadRequest, "", "无效的渠道 Id"},
	gwTokenDisabled:  {http.StatusUnauthorized, "", "该令牌状态不可用"},
	gwTokenExpired:   {http.StatusUnauthorized, "", "该令牌已过期"},
	gwTokenExhausted: {http.StatusUnauthorized, "", "令牌 {token_name}（#4）额度已用尽"},
}

var gatewayFlavours = map[Gateway]gatewayFlavour{
	GatewayOneAPI: {
		errorType: "one_api_error",
		refusals: withShared(map[gatewayRefusal]gatewayError{
			gwTokenQuota:  {http.StatusUnauthorized, "", "该令牌额度已用尽"},
			gwUserQuota:   {http.StatusForbidden, "insufficient_user_quota", "user quota is not enough"},
			gwModelDenied: {http.StatusForbidden, "", "该令牌无权使用模型：{model}"},
			gwNoChannel:   {http.StatusServiceUnavailable, "", "当前分组 default 下对于模型 {model} 无可用渠道"},
			gwNoPrice:     {http.StatusInternalServerError, "model_price_error", "model price not set for {model}"},
		}),
		upstreamMessages: map[int]string{
			http.StatusTooManyRequests:     "当前分组上游负载已饱和，请稍后再试",
			http.StatusInternalServerError: "上游服务出错，请稍后再试",
		},
	},
	GatewayNewAPI: {
		errorType: "new_api_error",
		refusals: withShared(map[gatewayRefusal]gatewayError{
			gwTokenQuota:  {http.StatusUnauthorized, "", "[{masked_key}] 该令牌额度已用尽"},
			gwUserQuota:   {http.StatusForbidden, "insufficient_user_quota", "用户额度不足, 剩余额度: ＄0.000000"},
			gwModelDenied: {http.StatusForbidden, "", "该令牌无权访问模型 {model}"},
			gwNoChannel:   {http.StatusServiceUnavailable, "model_not_found", "当前分组 default 下对于模型 {model} 无可用渠道"},
			gwNoPrice:     {http.StatusInternalServerError, "model_price_error", "模型 {model} 倍率或价格未配置"},
		}),
		estimatesUsage: true,
	},
}

func withShared(m map[gatewayRefusal]gatewayError) map[gatewayRefusal]gatewayError {
	for k, v := range sharedRefusals {
		m[k] = v
	}
	return m
}

// gatewayMasked shows a key the way new-api does: the first and last few
// characters around asterisks, nothing of a short key.
func gatewayMasked(key string) string {
	const head, tail = 6, 4
	if len(key) < 2*(head+tail) {
		return "***"
	}
	return key[:head] + "***" + key[len(key)-tail:]
}

// newGatewayID is a request id as the gateway makes it, from its clock:
// one-api the time to the second then random digits; new-api the time to
// the second, more digits, then 8 letters and digits.
func newGatewayID(g Gateway, now time.Time) string {
	stamp := now.UTC().Format("20060102150405")
	if g == GatewayNewAPI {
		n, _ := rand.Int(rand.Reader, big.NewInt(1e9)) // crypto/rand never fails
		return stamp + fmt.Sprintf("%09d", n) + randomAlnum(8)
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(1e17))
	return stamp + fmt.Sprintf("%017d", n)
}

// randomAlnum is n random letters and digits, both cases, as new-api's ids end.
func randomAlnum(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

// token is how the gateway reads a key: a token, perhaps pinned to a
// channel (sk-<token>-<n>).
type token struct {
	accepted   bool
	name       string // the token's name, as the usage log shows it
	badChannel bool   // pinned to a channel the gateway does not have
}

func (s *Server) gatewayToken(key string, anyKey bool) token {
	if name, ok := s.keyNames[key]; ok {
		return token{accepted: true, name: name}
	}
	if i := strings.LastIndex(key, "-"); i > 0 {
		if n, err := strconv.Atoi(key[i+1:]); err == nil && n > 0 {
			if name, ok := s.keyNames[key[:i]]; ok {
				return token{accepted: true, name: name, badChannel: n != knownChannel}
			}
		}
	}
	if anyKey {
		return token{accepted: true, name: "any-key"}
	}
	return token{}
}

// respondAsGateway answers x as the gateway does.
func (s *Server) respondAsGateway(w http.ResponseWriter, r *http.Request, x exchange) {
	// The gateway's clock stamps its log's rows; the answer's Date is the
	// upstream's, which the gateway copies, UpstreamDateSkew off its own.
	now := s.ledger.clock()
	w.Header().Set("Date", now.Add(s.ledger.options().UpstreamDateSkew).UTC().Format(http.TimeFormat))
	if x.gateway == GatewayLiteLLM || x.gateway == GatewayOpenRouter {
		s.respondAsProxy(w, r, x, now)
		return
	}
	id := newGatewayID(x.gateway, now)
	if !s.ledger.options().HostileRows { // a hostile gateway names no id, so its rows are matched on their tokens
		w.Header().Set(GatewayRequestIDHeader, id)
	}
	flavour := gatewayFlavours[x.gateway]
	t := s.gatewayToken(x.key, x.behaviour == AcceptAnyKey)
	refuse := func(kind gatewayRefusal) {
		e := flavour.refusals[kind]
		message := strings.NewReplacer("{model}", modelOf(x), "{masked_key}", gatewayMasked(x.key), "{token_name}", t.name).Replace(e.message)
		writeGatewayError(w, flavour, e.status, e.code, message, id)
	}
	switch {
	case x.key == "":
		refuse(gwMissingToken)
		return
	case !t.accepted && x.behaviour == EchoKey:
		writeGatewayError(w, flavour, http.StatusUnauthorized, "", "无效的令牌 "+x.key, id)
		return
	case !t.accepted && x.behaviour != EchoApprovedKey && x.behaviour != EchoTrimmedKey:
		refuse(gwInvalidToken)
		return
	case t.badChannel:
		refuse(gwInvalidChannel)
		return
	}
	if kind, ok := gatewayRefusalBehaviours[x.behaviour]; ok {
		refuse(kind)
		return
	}
	if kind, ok := failureBehaviours[x.behaviour]; ok {
		s.passUpstreamError(w, flavour, x, kind, id)
		return
	}
	switch x.behaviour {
	case Normal, AcceptAnyKey, NoUsage, ZeroUsage, NoRequestID:
		s.gatewaySuccess(w, flavour, x, t, id, now)
	default:
		// The upstream misbehaves on the wire (redirects, HTML, cut or huge
		// bodies, resets, echoes): the gateway passes that on as it comes.
		x.accepted = t.accepted
		s.respondAsVendor(w, r, x)
	}
}

// gatewaySuccess is the upstream's answer passed through: its body, its
// X-Request-Id, and (new-api) the gateway's own usage estimate when the
// upstream sent none. The usage log gets a row.
func (s *Server) gatewaySuccess(w http.ResponseWriter, flavour gatewayFlavour, x exchange, t token, id string, now time.Time) {
	c, f, ok := x.protocol.parse(x.path, x.body)
	if !ok {
		e := x.protocol.errors[f.kind]
		writeGatewayError(w, flavour, e.status, e.code, f.detail, id)
		return
	}
	u := usageFor(x.behaviour, c)
	if u == nil && flavour.estimatesUsage {
		u = &tokenUsage{input: estimatedPromptTokens(x.body), output: c.outputTokens()}
	}
	withUpstreamID := x.behaviour != NoRequestID
	if withUpstreamID {
		w.Header().Set("X-Request-Id", "req_"+newID())
	}
	// The row is stamped on the gateway's clock at the answer, read once so
	// that a test's fake clock moving on cannot set them apart (StampDelay
	// later still).
	row := LedgerRow{RequestID: id, Model: c.model, TokenName: t.name, CreatedAt: now}
	if u != nil {
		row.PromptTokens, row.CompletionTokens = u.input, u.output
	}
	// new-api writes the row just before the body, one-api just after it.
	if x.gateway == GatewayNewAPI {
		s.recordLedgerRow(row)
	}
	writeJSON(w, http.StatusOK, x.protocol.successBody(c, u, withUpstreamID))
	if x.gateway != GatewayNewAPI {
		s.recordLedgerRow(row)
	}
}

// estimatedPromptTokens is new-api's kind of estimate: from the size of the
// request, so it need not match what the upstream would have counted.
func estimatedPromptTokens(body []byte) int {
	return max(1, len(body)/16)
}

// passUpstreamError passes an upstream error on: its status and code, in
// the gateway's shape, with the message the flavour gives it.
func (s *Server) passUpstreamError(w http.ResponseWriter, flavour gatewayFlavour, x exchange, kind failureKind, id string) {
	e := x.protocol.errors[kind]
	message := failureMessage(e, failure{kind: kind, key: x.key})
	if rewritten, ok := flavour.upstreamMessages[e.status]; ok {
		message = rewritten
	}
	writeGatewayError(w, flavour, e.status, e.code, message, id)
}

func writeGatewayError(w http.ResponseWriter, flavour gatewayFlavour, status int, code, message, id string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": message + " (request id: " + id + ")",
		"type":    flavour.errorType,
		"param":   "",
		"code":    nullable(code),
	}})
}

// modelOf is the model a request names, or "" when it cannot be read.
func modelOf(x exchange) string {
	c, _, _ := x.protocol.parse(x.path, x.body)
	return c.model
}
