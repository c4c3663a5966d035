package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// The vendors' usage APIs (openai_usage, anthropic_usage) report an
// organization's usage per minute, per API key and model, minutes late.
// What they share is here: the smoke request's minute on this host's clock
// at the send, the buckets of that minute and the minutes either side, the
// sums of this provider's own smoke requests of a minute (a fleet on one
// key), pending when no bucket came within the wait, and the read again on
// refresh. Each vendor's file says how to ask and how to read the answer.

// usageBucket is one minute of one key and model.
type usageBucket struct {
	requests      int64 // -1 when the API counts no requests (Anthropic)
	input, output int64
}

func (b usageBucket) empty() bool { return b.requests <= 0 && b.input == 0 && b.output == 0 }

// plus is b with o's usage added: requests stay -1 once a bucket that
// counts none is added.
func (b usageBucket) plus(o usageBucket) usageBucket {
	if o.requests < 0 {
		b.requests = -1
	} else {
		b.requests += o.requests
	}
	b.input += o.input
	b.output += o.output
	return b
}

// usageFetcher is one vendor's usage API: how to ask and how to read a
// page of the answer (usageRequest). The paging and the sums are shared.
type usageFetcher interface {
	// request asks for the buckets of keyID and model from from to to
	// (minute starts, to exclusive), with the admin token.
	request(keyID, model string, from, to time.Time, token string) usageRequest
	// countsRequests: the buckets count requests (OpenAI), not only tokens.
	countsRequests() bool
}

// FleetSum is this provider's smoke requests of one model and minute.
type FleetSum struct {
	N                int64 `json:"n"`
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
	// Keys is how many different approved keys they were sent with. A
	// usage API is read for one key (ledger_key_id), so sums over several
	// keys say nothing of its buckets: such a minute is ambiguous. 0 in a
	// recheck kept before keys were counted, which meant one.
	Keys int64 `json:"keys,omitempty"`
}

// Recheck is what a refresh needs to read a pending usage bucket again,
// kept beside the record (never in it): the send's time on this host's
// clock, the key id and model, the response's tokens, and the sums of this
// provider's smoke requests in the minutes read, so that a fleet's bucket
// can still be confirmed after the process that sent it is gone.
type Recheck struct {
	API              API                 `json:"api"`
	SentAt           time.Time           `json:"sent_at"`
	KeyID            string              `json:"key_id"`
	Model            string              `json:"model"`
	PromptTokens     int64               `json:"prompt_tokens"`
	CompletionTokens int64               `json:"completion_tokens"`
	Fleet            map[string]FleetSum `json:"fleet"` // by the minute's Unix seconds
}

// sendCounter is an api that counts its smoke requests: Before marks one in
// flight, Find records it as sent.
type sendCounter interface {
	before(model string) *Ticket
	sent(c *Reader, q Query)
}

type usageAPI struct {
	f usageFetcher

	mu       sync.Mutex
	inFlight map[*Ticket]string                // smoke requests about to be sent or in flight, by model
	sends    map[string]map[int64]*minuteSends // by model, then minute
	last     map[string]map[int64]usageBucket
}

func newUsageAPI(f usageFetcher) *usageAPI {
	return &usageAPI{f: f, inFlight: map[*Ticket]string{}, sends: map[string]map[int64]*minuteSends{}, last: map[string]map[int64]usageBucket{}}
}

var _ sendCounter = (*usageAPI)(nil)

func minuteOf(t time.Time) int64 { return t.Unix() - ((t.Unix()%60)+60)%60 }

func (u *usageAPI) before(model string) *Ticket {
	t := &Ticket{}
	u.mu.Lock()
	u.inFlight[t] = model
	u.mu.Unlock()
	t.release = func() {
		u.mu.Lock()
		delete(u.inFlight, t)
		u.mu.Unlock()
	}
	return t
}

func (u *usageAPI) sent(c *Reader, q Query) {
	m := minuteOf(q.SentAt)
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.inFlight, q.Ticket)
	byMinute := u.sends[q.Model]
	if byMinute == nil {
		byMinute = map[int64]*minuteSends{}
		u.sends[q.Model] = byMinute
	}
	ms := byMinute[m]
	if ms == nil {
		ms = &minuteSends{keys: map[[sha256.Size]byte]bool{}}
		byMinute[m] = ms
	}
	ms.keys[sha256.Sum256([]byte(q.Key))] = true
	ms.sum.N++
	ms.sum.PromptTokens += q.PromptTokens
	ms.sum.CompletionTokens += q.CompletionTokens
	ms.sum.Keys = int64(len(ms.keys))
	// Minutes long past are of no use to any lookup.
	for k := range byMinute {
		if k < m-int64(PendingLimit/time.Second) {
			delete(byMinute, k)
		}
	}
}

// minuteSends are this provider's smoke requests of one model and minute:
// their sums, and the keys they were sent with, by digest (in memory only).
type minuteSends struct {
	sum  FleetSum
	keys map[[sha256.Size]byte]bool
}

// fleetOf is the sums of this provider's smoke requests of model in the
// minutes around m, and whether one of them is still in flight.
func (u *usageAPI) fleetOf(model string, m int64) (map[int64]FleetSum, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := map[int64]FleetSum{}
	for _, k := range []int64{m - 60, m, m + 60} {
		if ms, ok := u.sends[model][k]; ok {
			out[k] = ms.sum
		}
	}
	inFlight := false
	for _, mod := range u.inFlight {
		inFlight = inFlight || mod == model
	}
	return out, inFlight
}

func queryKey(q Query) string {
	return q.Model + "\x00" + strconv.FormatInt(q.SentAt.UnixNano(), 10) + "\x00" + q.BodyID + q.RequestID
}

func (u *usageAPI) read(ctx context.Context, c *Reader, q Query) (Result, bool, *readError) {
	if c.opts.KeyID == "" {
		return unavailable("ledger_key_id is not set: the usage API is read for the approved key's id"), true, nil
	}
	m := minuteOf(q.SentAt)
	buckets, err := u.fetch(ctx, c, c.opts.KeyID, q.Model, time.Unix(m-60, 0), time.Unix(m+120, 0))
	if err != nil {
		return Result{}, false, err
	}
	fleet, inFlight := u.fleetOf(q.Model, m)
	res, decided := u.judge(c.opts.KeyID, q.Model, m, q.PromptTokens, q.CompletionTokens, fleet, buckets, inFlight, false)
	// The last buckets read are what the end of the wait judges; a decided
	// lookup keeps none.
	u.mu.Lock()
	if decided {
		delete(u.last, queryKey(q))
	} else {
		u.last[queryKey(q)] = buckets
	}
	u.mu.Unlock()
	return res, decided, nil
}

// notFound is the end of the wait: ambiguous when a bucket holds what this
// provider's smoke requests cannot explain, else pending, with what a
// refresh needs to read again.
func (u *usageAPI) notFound(c *Reader, q Query, reads int) Result {
	m := minuteOf(q.SentAt)
	u.mu.Lock()
	buckets := u.last[queryKey(q)]
	delete(u.last, queryKey(q))
	u.mu.Unlock()
	fleet, _ := u.fleetOf(q.Model, m)
	res, _ := u.judge(c.opts.KeyID, q.Model, m, q.PromptTokens, q.CompletionTokens, fleet, buckets, false, true)
	if res.Status == Pending {
		res.Message = fmt.Sprintf("%s after %s over %s; the data arrives minutes late: a refresh (terraform apply -refresh-only) reads it again",
			res.Message, plural(reads, "read"), c.opts.Wait)
		res.Recheck = &Recheck{API: c.opts.API, SentAt: q.SentAt.UTC(), KeyID: c.opts.KeyID, Model: q.Model,
			PromptTokens: q.PromptTokens, CompletionTokens: q.CompletionTokens, Fleet: map[string]FleetSum{}}
		for k, s := range fleet {
			res.Recheck.Fleet[strconv.FormatInt(k, 10)] = s
		}
	}
	return res
}

// judge reads the buckets of the minutes m-1, m and m+1 against the smoke
// request (prompt, completion tokens, sent in minute m) and this provider's
// smoke requests of those minutes. decided is false while the answer may
// still change; last judges for good (the wait is over).
func (u *usageAPI) judge(keyID, model string, m, prompt, completion int64, fleet map[int64]FleetSum,
	buckets map[int64]usageBucket, inFlight, last bool) (Result, bool) {
	if s := fleet[m]; s.Keys > 1 {
		return Result{Status: Ambiguous, Message: fmt.Sprintf(
			"this provider sent model %s with %d different API keys in the minute %s, and the usage API is read for "+
				"ledger_key_id %s alone: its buckets cannot tell whose requests they hold. Give each key a provider alias "+
				"with that key's api_key and ledger_key_id",
			quoted(model), s.Keys, minuteName(m), quoted(keyID))}, true
	}
	own := fleet[m]
	if own.N == 0 { // a refresh's record without sums: the request alone
		own = FleetSum{N: 1, PromptTokens: prompt, CompletionTokens: completion}
	}
	equals := func(b usageBucket, s FleetSum) bool {
		return b.input == s.PromptTokens && b.output == s.CompletionTokens && (!u.f.countsRequests() || b.requests == s.N)
	}
	confirmed := func(b usageBucket, at int64) Result {
		r := Result{Status: Confirmed, MatchedBy: MatchedByBucket, PromptTokens: prompt, CompletionTokens: completion, Model: model}
		if own.N > 1 {
			r.MatchedBy = MatchedByBucketSum
			r.Message = fmt.Sprintf("confirmed as one of %d smoke requests this provider sent with key %s, model %s in the minute %s, "+
				"whose bucket holds %s", own.N, quoted(keyID), quoted(model), minuteName(at), b.describe())
		}
		return r
	}
	if b, ok := buckets[m]; ok && !b.empty() && equals(b, own) {
		return confirmed(b, m), true
	}
	// A skew of under a minute between the hosts moves the requests of
	// minute m into the next or previous bucket, where this provider sent
	// nothing else.
	for _, k := range []int64{m - 60, m + 60} {
		if b, ok := buckets[k]; ok && !b.empty() && fleet[k].N == 0 && equals(b, own) {
			return confirmed(b, k), true
		}
	}
	exceeds := func(b usageBucket, s FleetSum) bool {
		return b.input > s.PromptTokens || b.output > s.CompletionTokens || u.f.countsRequests() && b.requests > s.N
	}
	b, ok := buckets[m]
	if ok && !b.empty() && exceeds(b, own) && (!inFlight || last) {
		return Result{Status: Ambiguous, Message: fmt.Sprintf(
			"the key carries other traffic: use a key used only for smoke tests. The bucket of key %s, model %s, minute %s holds %s, "+
				"more than the %s this provider sent in it (%d input, %d output tokens)",
			quoted(keyID), quoted(model), minuteName(m), b.describe(), plural(int(own.N), "smoke request"), own.PromptTokens, own.CompletionTokens)}, true
	}
	if !last {
		return Result{}, false
	}
	if !ok || b.empty() {
		for _, k := range []int64{m - 60, m + 60} {
			// A neighbour's sum over several keys says nothing of its bucket.
			if nb, ok := buckets[k]; ok && !nb.empty() && (exceeds(nb, fleet[k]) || fleet[k].Keys > 1) {
				return Result{Status: Ambiguous, Message: fmt.Sprintf(
					"the key carries other traffic: use a key used only for smoke tests. No bucket of key %s, model %s for the minute %s, "+
						"but the minute %s holds %s that this provider's smoke requests do not explain",
					quoted(keyID), quoted(model), minuteName(m), minuteName(k), nb.describe())}, true
			}
		}
	}
	return Result{Status: Pending, Message: fmt.Sprintf("no bucket of key %s and model %s holding the smoke request for the minute %s (or the minutes either side)",
		quoted(keyID), quoted(model), minuteName(m))}, true
}

func (b usageBucket) describe() string {
	if b.requests < 0 {
		return fmt.Sprintf("%d input and %d output tokens", b.input, b.output)
	}
	return fmt.Sprintf("%s, %d input and %d output tokens", plural(int(b.requests), "request"), b.input, b.output)
}

func minuteName(unix int64) string { return time.Unix(unix, 0).UTC().Format("2006-01-02T15:04Z") }

// Recheck reads a pending record's buckets once more, as a refresh does:
// reads only, with the ledger token, never the approved key. A record still
// pending PendingLimit after the send is not_found. A Reader of another API
// or key id than rc's reads nothing and says so. secrets are the other
// credentials the caller knows (the provider's api_key): the result is
// scrubbed of them as well as of the ledger token, since a refresh stores
// the server's error text in the message.
func (c *Reader) Recheck(ctx context.Context, rc Recheck, secrets ...string) Result {
	scrubbed := Query{Secrets: secrets}
	u, ok := c.api.(*usageAPI)
	switch {
	case !ok || rc.API != c.opts.API:
		return c.scrub(Result{Status: Pending, Recheck: &rc, Message: "the provider's ledger_api is no longer " + string(rc.API) + "; the record was not read again"}, scrubbed)
	case rc.KeyID == "":
		return c.scrub(Result{Status: Pending, Recheck: &rc, Message: "no key id to read the usage of"}, scrubbed)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.ReadTimeout)
	defer cancel()
	m := minuteOf(rc.SentAt)
	fleet := map[int64]FleetSum{}
	for k, s := range rc.Fleet {
		if n, err := strconv.ParseInt(k, 10, 64); err == nil {
			fleet[n] = s
		}
	}
	var res Result
	buckets, err := u.fetch(ctx, c, rc.KeyID, rc.Model, time.Unix(m-60, 0), time.Unix(m+120, 0))
	// A read that fails on refresh is no evidence either way: the record
	// stays pending and the next refresh reads again.
	if err != nil {
		res = Result{Status: Pending, Message: "the usage API could not be read on refresh: " + err.Error()}
	} else {
		res, _ = u.judge(rc.KeyID, rc.Model, m, rc.PromptTokens, rc.CompletionTokens, fleet, buckets, false, true)
	}
	if res.Status == Pending {
		if c.opts.Now().Sub(rc.SentAt) >= PendingLimit {
			res = Result{Status: NotFound, Message: fmt.Sprintf("%s, %s after the smoke request: not found", res.Message, PendingLimit)}
		} else {
			res.Recheck = &rc
			res.Message += "; a later refresh reads it again"
		}
	}
	return c.scrub(res, scrubbed)
}

// maxUsagePages bounds the pages one read of a usage API follows.
const maxUsagePages = 10

// usageRequest is one query of a usage API: what it is called in
// messages, its path, query and headers, what a refused admin key must be
// (refused), the API's base URL (for where to look when the answer is not
// its JSON), and how to read a page (readUsagePage of the vendor's
// buckets).
type usageRequest struct {
	name, path, refused, base string
	query                     url.Values
	header                    http.Header
	read                      func(body []byte, keyID, model string, out map[int64]usageBucket) (next string, parsed bool, err *readError)
}

// usagePages reads every page of r (at most maxUsagePages), the buckets of
// keyID and model: the paging, the refusals and the bounds the usage APIs
// share.
func (c *Reader) usagePages(ctx context.Context, r usageRequest, keyID, model string) (map[int64]usageBucket, *readError) {
	out := map[int64]usageBucket{}
	for range maxUsagePages {
		rep, err := c.get(ctx, c.opts.Endpoint+r.path+"?"+r.query.Encode(), r.header.Clone())
		if err != nil {
			return nil, err
		}
		if rep.status == http.StatusUnauthorized || rep.status == http.StatusForbidden {
			return nil, permanent("%s; %s", rep.failure(r.name).Error(), r.refused)
		}
		if rep.status < 200 || rep.status > 299 {
			return nil, rep.failure(r.name)
		}
		next, parsed, rerr := r.read(rep.body, keyID, model, out)
		switch {
		case !parsed:
			return nil, rep.notJSON(r.name, "is ledger_endpoint the API's base URL with /v1, e.g. "+r.base+"?")
		case rerr != nil:
			return nil, rerr
		case next == "":
			return out, nil
		}
		r.query.Set("page", next)
	}
	return nil, permanent("%s kept paging past %d pages", r.name, maxUsagePages)
}

// nextPage is a page's next_page when it says there are more.
func nextPage(hasMore bool, next *string) string {
	if !hasMore || next == nil {
		return ""
	}
	return *next
}

// fetch reads the buckets of keyID and model from from to to (minute
// starts, to exclusive), keyed by the minute's Unix seconds.
func (u *usageAPI) fetch(ctx context.Context, c *Reader, keyID, model string, from, to time.Time) (map[int64]usageBucket, *readError) {
	return c.usagePages(ctx, u.f.request(keyID, model, from, to, c.opts.Token), keyID, model)
}

// usageQuery is what both APIs are asked besides the window, which each
// bounds in its own names and time format: 1-minute buckets of one key id
// and model, grouped by both, as many to a page as the window holds. list
// is how the API spells a list parameter after its name ("[]" or "").
func usageQuery(list, keyID, model string, from, to time.Time) url.Values {
	return url.Values{
		"bucket_width":       {"1m"},
		"api_key_ids" + list: {keyID},
		"models" + list:      {model},
		"group_by" + list:    {"api_key_id", "model"},
		"limit":              {strconv.Itoa(int(to.Sub(from) / time.Minute))},
	}
}

// usagePage is one page of either usage API's answer: both page their
// buckets under data by has_more and next_page; the buckets are the
// vendor's own (B).
type usagePage[B any] struct {
	Data     []B     `json:"data"`
	HasMore  bool    `json:"has_more"`
	NextPage *string `json:"next_page"`
}

// usageResults is what both APIs' buckets hold besides their start, each
// in the vendor's own bucket type: the results, one per key and model.
type usageResults[R usageResult] struct {
	Results []R `json:"results"`
}

func (r usageResults[R]) results() []R { return r.Results }

// usageMinute is a bucket of a vendor's page: its minute's start and its
// results.
type usageMinute[R usageResult] interface {
	start() (time.Time, *readError)
	results() []R
}

// The vendors' buckets and results, which only readUsagePage's type
// parameters use.
var (
	_ usageMinute[openAIResult]    = openAIBucket{}
	_ usageMinute[anthropicResult] = anthropicBucket{}
)

// usageResult is one result of a bucket.
type usageResult interface {
	// of: the result is of keyID and model. Grouped by key and model,
	// another key's or model's results (a server that ignores the
	// filters) are not read.
	of(keyID, model string) bool
	// usage is the result's usage, or why it is no usage.
	usage() (usageBucket, *readError)
}

// readUsagePage reads a page of buckets B into out (usageRequest.read):
// the results of keyID and model summed by their bucket's minute, and the
// next page ("" when it was the last); parsed is false when the body is
// not the API's JSON.
func readUsagePage[B usageMinute[R], R usageResult](body []byte, keyID, model string, out map[int64]usageBucket) (string, bool, *readError) {
	var p usagePage[B]
	if parsed := json.Unmarshal(body, &p) == nil; !parsed {
		return "", false, nil
	}
	for _, b := range p.Data {
		start, err := b.start()
		if err != nil {
			return "", true, err
		}
		for _, r := range b.results() {
			if !r.of(keyID, model) {
				continue
			}
			sum, err := r.usage()
			if err != nil {
				return "", true, err
			}
			m := minuteOf(start)
			out[m] = out[m].plus(sum)
		}
	}
	return nextPage(p.HasMore, p.NextPage), true, nil
}
