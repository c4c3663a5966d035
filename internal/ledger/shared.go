package ledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The gateway log is shared: a fleet's checks of one (model, token) wait for
// their rows together, and one poller per model reads the log for all of
// them, page by page, and hands each waiting check the rows that can be
// its own (DESIGN.md, One log reader per model and token). What
// production gateways do decides the rest:
//
//   - rows are stamped after the answer, seconds late on a busy database:
//     a row is searched for until the wait ends, whatever its created_at,
//     so the window has a start and no end;
//   - the answer's Date is the upstream's clock, copied: the window's start
//     is the gateway's own clock at the send, taken from the log API's Date
//     and this host's elapsed time, never from the answer;
//   - the log API allows 180 requests per 180 s per IP (new-api; one-api
//     480) and sends no Retry-After: the reads of a Reader stay within half
//     of that, and a refusal holds the reads back, never a send;
//   - several pipelines apply at once through one token: where rows carry
//     no request id, each smoke request's prompt carries a signature, a
//     token count unique among this Reader's requests in flight and drawn
//     from the Reader's own lane of SignatureRange, so that two pipelines'
//     requests rarely share one; a row is matched on it exactly, and two
//     candidates are ambiguous, never a guess.

// SignatureWord is one word of a prompt's signature: about one token in the
// vendors' tokenizers.
const SignatureWord = " x"

// SignatureRange bounds a signature: a smoke request whose ledger rows may
// carry no request id has its prompt followed by a line of 1 to
// SignatureRange signature words, about as many prompt tokens (about 500
// on average).
//
// The range is cut in lanes of signatureLane signatures. A Reader with
// signatures in flight draws from a lane of its own (lanes.go): pipelines
// on one host never hold the same lane at once, and pipelines on different
// hosts share one with a chance of 1 in 64 (the lane tried first is the
// process id plus the Readers made before it in the process). Within its
// lane a Reader goes round from a random place, skipping the signatures in
// flight; when the lane is full it draws from the whole range.
const (
	SignatureRange = 1024
	signatureLane  = 16
)

// readerSeq counts the Readers made in this process, so that two in one
// process (tests, several provider instances) take different lanes.
var readerSeq atomic.Int64

// Log API limits of the gateways' default builds, per IP.
const (
	NewAPILogRateLimit = 180 // new-api's global API rate limit
	OneAPILogRateLimit = 480 // one-api's
	LogRateWindow      = 180 * time.Second
	// logRateShare is the part of the limit one Reader uses: the rest is
	// left to the gateway's console and to other pipelines on the same IP.
	logRateShare = 2
	// minRefusalPause and maxRefusalPause bound the pause after a refused
	// read that named no Retry-After.
	minRefusalPause = 5 * time.Second
	maxRefusalPause = time.Minute
	// claimMemory is how long a row matched by its tokens stays claimed, so
	// that no other check of this Reader takes it too.
	claimMemory = 10 * time.Minute
)

// sharedLog is a Reader's usage log, shared by its checks.
type sharedLog struct {
	c  *Reader
	mu sync.Mutex
	// pollers reads for the waiting checks of each model.
	pollers map[string]*poller
	// pads are the signatures in flight, per model.
	pads map[string]map[int]bool
	// last is the newest row of each model's last read, and the log's Date
	// then: a watermark for the checks sent after it completed.
	last map[string]int64
	// offset is the gateway's clock less this host's, from the log API's
	// Date; known once a read was answered.
	offset    time.Duration
	hasOffset bool
	// dateless: the log API answered without a Date; until one comes, the
	// window is this host's clock padded by the skew.
	dateless bool
	// recent are the starts of the reads inside the rate window.
	recent []time.Time
	// holdUntil holds every read back after a refusal; refusals counts the
	// refusals in a row, for the pause.
	holdUntil time.Time
	refusals  int
	// claimed are rows matched by their tokens, and when.
	claimed map[string]time.Time
	// lane is the first signature of this Reader's lane, less one; next the
	// offset in it to try first. preferred is the lane tried first;
	// inFlight counts the signatures in flight, and releaseLane gives the
	// lane back when the last is released.
	lane, next, preferred, inFlight int
	releaseLane                     func()
}

func newSharedLog(c *Reader) *sharedLog {
	return &sharedLog{c: c, pollers: map[string]*poller{}, pads: map[string]map[int]bool{},
		last: map[string]int64{}, claimed: map[string]time.Time{},
		preferred: (os.Getpid() + int(readerSeq.Add(1)-1)) % laneCount}
}

// poller reads the log for the waiting checks of one model.
type poller struct {
	model   string
	waiters map[*waiter]struct{}
	wake    chan struct{}
	cancel  context.CancelFunc // of the read in flight; nil between reads
	lastEnd time.Time          // when the last read ended, on this host's clock
	pause   time.Duration
}

// waiter is one check waiting for its row, and what the reads told it.
type waiter struct {
	q            Query
	newestBefore int64
	joined       time.Time
	deadline     time.Time // on the Reader's clock
	// fresh: no read has started since the check joined.
	fresh     bool
	reads     int // reads made while it waited, answered or not
	answered  int
	refused   int // reads refused with HTTP 429
	held      bool
	lastErr   *readError
	start     int64 // the window's start, once the gateway's clock is known
	through   int64 // the gateway's clock at the last answered read
	named     []row // candidates of the last read, to name them
	done      chan Result
	finalRead bool // the read just before the deadline was made
}

// ticket draws the signature of a smoke request of model.
func (l *sharedLog) ticket(model string) *Ticket {
	l.mu.Lock()
	defer l.mu.Unlock()
	inUse := l.pads[model]
	if inUse == nil {
		inUse = map[int]bool{}
		l.pads[model] = inUse
	}
	if l.inFlight == 0 {
		lane, release := acquireLane(l.preferred)
		l.lane, l.releaseLane, l.next = lane*signatureLane, release, rand.IntN(signatureLane)
	}
	l.inFlight++
	pad := 0
	for i := range signatureLane {
		if p := l.lane + (l.next+i)%signatureLane + 1; !inUse[p] {
			pad, l.next = p, (l.next+i+1)%signatureLane
			break
		}
	}
	if pad == 0 { // the lane is full: any free signature
		pad = 1 + rand.IntN(SignatureRange)
		for tries := 0; inUse[pad] && tries < SignatureRange; tries++ {
			pad = 1 + (pad % SignatureRange)
		}
	}
	inUse[pad] = true
	t := &Ticket{pad: pad, newestBefore: l.last[model]}
	t.release = func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(inUse, pad)
		if l.inFlight--; l.inFlight == 0 {
			l.releaseLane()
		}
	}
	return t
}

// find waits for q's row until the wait runs out.
func (l *sharedLog) find(ctx context.Context, q Query) Result {
	c := l.c
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.bound())
	defer cancel()
	now := c.opts.Now()
	w := &waiter{q: q, joined: now, deadline: now.Add(c.opts.Wait), fresh: true, done: make(chan Result, 1)}
	if q.Ticket != nil {
		w.newestBefore = q.Ticket.newestBefore
	}
	if w.q.SentAt.IsZero() {
		w.q.SentAt = now
	}
	l.join(w)
	select {
	case res := <-w.done:
		return res
	case <-ctx.Done():
	}
	l.leave(w)
	select {
	case res := <-w.done: // decided as it left
		return res
	default:
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if parent.Err() != nil {
		return cancelledAfter(w.reads)
	}
	return l.ended(w)
}

func (l *sharedLog) join(w *waiter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.pollers[w.q.Model]
	if p == nil {
		p = &poller{model: w.q.Model, waiters: map[*waiter]struct{}{}, wake: make(chan struct{}, 1), pause: l.c.opts.PollInterval}
		l.pollers[w.q.Model] = p
		go l.run(p)
	}
	p.waiters[w] = struct{}{}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (l *sharedLog) leave(w *waiter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.pollers[w.q.Model]
	if p == nil {
		return
	}
	delete(p.waiters, w)
	if len(p.waiters) == 0 && p.cancel != nil {
		p.cancel() // nobody waits for the read in flight
	}
}

// finish hands w its result; the caller holds l.mu.
func (l *sharedLog) finish(p *poller, w *waiter, res Result) {
	delete(p.waiters, w)
	w.done <- res
}

// coalesce is the least pause between two reads of a poller: checks
// answered within it are read for together.
func (c *Reader) coalesce() time.Duration {
	return min(c.opts.PollInterval/4, 100*time.Millisecond)
}

// finalMargin is how long before a check's wait runs out its last read
// starts: late enough for a row stamped late, early enough to be answered.
func (c *Reader) finalMargin() time.Duration {
	return min(c.opts.Wait/10, 500*time.Millisecond, c.opts.ReadTimeout)
}

// run is one model's poller: it reads while checks wait, at once for a
// check that joined since the last read began, else with growing pauses,
// and once more just before the first wait runs out; within the log API's
// limit, and held back after a refusal.
func (l *sharedLog) run(p *poller) {
	c := l.c
	for {
		l.mu.Lock()
		now := c.opts.Now()
		for w := range p.waiters {
			// The wait is over; a wait of zero reads once.
			if !now.Before(w.deadline) && (c.opts.Wait > 0 || w.reads > 0) {
				l.finish(p, w, l.ended(w))
			}
		}
		if len(p.waiters) == 0 {
			delete(l.pollers, p.model)
			l.mu.Unlock()
			return
		}
		due, final := l.nextRead(p, now)
		if budget := l.budgetAt(now); budget.After(due) {
			due = budget
			for w := range p.waiters {
				w.held = true
			}
		}
		due = maxTime(due, l.holdUntil)
		if wait := due.Sub(now); wait > 0 {
			l.mu.Unlock()
			select {
			case <-p.wake:
			case <-c.opts.After(wait):
			}
			continue
		}
		// A read starts: every waiting check has one more. A re-read for
		// checks that were all read for already lengthens the next pause.
		l.recent = append(l.recent, now)
		if !l.anyFresh(p) {
			p.pause = min(p.pause*2, c.opts.PollInterval*MaxPollIntervalFactor)
		}
		start, known := int64(0), false
		for w := range p.waiters {
			w.fresh = false
			w.reads++
			if final && !now.Before(w.deadline.Add(-c.finalMargin())) {
				w.finalRead = true
			}
			if s, ok := l.windowStart(w); ok && (!known || s < start) {
				start, known = s, true
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.opts.ReadTimeout)
		p.cancel = cancel
		l.mu.Unlock()

		rows, date, err := l.readAll(ctx, p.model, start, known)
		cancel()

		l.mu.Lock()
		p.cancel = nil
		p.lastEnd = c.opts.Now()
		l.afterRead(p, rows, date, err)
		l.mu.Unlock()
	}
}

// nextRead is when p reads next; the caller holds l.mu. final reports a
// read just before a wait runs out.
func (l *sharedLog) nextRead(p *poller, now time.Time) (due time.Time, final bool) {
	c := l.c
	var first *waiter
	for w := range p.waiters {
		if w.fresh {
			// A check that joined reads at once, or a moment after the last
			// read, so that one read serves the checks answered together.
			return maxTime(now, p.lastEnd.Add(c.coalesce())), false
		}
		if first == nil || w.deadline.Before(first.deadline) {
			first = w
		}
	}
	due = p.lastEnd.Add(p.pause)
	if last := first.deadline.Add(-c.finalMargin()); !first.finalRead && !last.After(due) {
		return maxTime(last, now), true
	}
	if first.deadline.Before(due) {
		due = first.deadline // to end it
	}
	return due, false
}

// budgetAt is when the next read fits the log API's limit; the caller
// holds l.mu.
func (l *sharedLog) budgetAt(now time.Time) time.Time {
	limit, window := l.c.logLimit()
	allowed := max(limit/logRateShare, 1)
	cut := 0
	for cut < len(l.recent) && !l.recent[cut].After(now.Add(-window)) {
		cut++
	}
	l.recent = l.recent[cut:]
	if len(l.recent) < allowed {
		return now
	}
	return l.recent[len(l.recent)-allowed].Add(window)
}

// logLimit is the log API's limit per IP: the configured one, else the
// gateway's default.
func (c *Reader) logLimit() (int, time.Duration) {
	limit, window := c.opts.LogRateLimit, c.opts.LogRateWindow
	if limit <= 0 {
		limit = NewAPILogRateLimit
		if c.oneAPIShape.Load() {
			limit = OneAPILogRateLimit
		}
	}
	if window <= 0 {
		window = LogRateWindow
	}
	return limit, window
}

// windowStart is where w's row can start, on the gateway's clock: the send
// on this host's clock moved by the offset the log API's Date shows, less
// a second; never before the watermark read before the send. The caller
// holds l.mu.
func (l *sharedLog) windowStart(w *waiter) (int64, bool) {
	var start int64
	switch {
	case l.hasOffset:
		start = floorUnix(w.q.SentAt.Add(l.offset)) - startSlack
	case l.dateless:
		start = floorUnix(w.q.SentAt.Add(-l.c.opts.Skew))
	default:
		return 0, false
	}
	if w.newestBefore > start {
		start = w.newestBefore
	}
	w.start = start
	return start, true
}

// readAll reads the model's rows newest first, page by page, back to the
// start (when known) or the end of the log. The offset is learnt from the
// first page, so the first read of a Reader knows where to stop too.
func (l *sharedLog) readAll(ctx context.Context, model string, start int64, known bool) ([]row, time.Time, *readError) {
	c := l.c
	if !c.acquire(ctx) {
		return nil, time.Time{}, transient("the ledger did not answer in time")
	}
	defer func() { <-c.slots }()
	var rows []row
	var date time.Time
	var previous uint64
	stop, stopKnown := start, known
	seen := map[string]bool{}
	p := c.firstPage()
	for n := range maxPages {
		var w *window
		if known {
			w = &window{start: start}
		}
		pg, err := c.readPage(ctx, model, w, p)
		if err != nil {
			// A refusal's Date is the gateway's clock too.
			if n == 0 && !pg.date.IsZero() {
				l.mu.Lock()
				l.learnOffset(pg.date)
				l.mu.Unlock()
			}
			return nil, time.Time{}, err
		}
		if n == 0 {
			date = pg.date
			if !known {
				// The first read of a Reader learns the gateway's clock
				// from this page, and so where to stop paging; its pages
				// stay unfiltered, so that they stay aligned.
				l.mu.Lock()
				l.learnOffset(date)
				if pl := l.pollers[model]; pl != nil {
					for wt := range pl.waiters {
						if s, ok := l.windowStart(wt); ok && (!stopKnown || s < stop) {
							stop, stopKnown = s, true
						}
					}
				}
				l.mu.Unlock()
			}
		}
		older := false
		for _, r := range pg.rows {
			if stopKnown && r.CreatedAt < stop {
				older = true
			}
		}
		// Rows written while the pages are read push the older ones down:
		// a row can come again on the next page, and is kept once.
		for _, r := range pg.rows {
			if k := claimKey(r); !seen[k] {
				seen[k] = true
				rows = append(rows, r)
			}
		}
		sig := signature(pg.rows)
		if pg.last || older || n > 0 && sig == previous || l.allFound(model, rows) {
			break
		}
		previous, p = sig, pg.next
	}
	return rows, date, nil
}

// allFound reports that every check waiting on model looks for a request
// id and each is among rows: the pages further back can hold none of them.
// A check matched on its tokens needs the pages back to its window's start,
// where a second candidate could be.
func (l *sharedLog) allFound(model string, rows []row) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.pollers[model]
	if p == nil {
		return true
	}
	ids := make(map[string]bool, len(rows))
	for _, r := range rows {
		if r.RequestID != "" {
			ids[r.RequestID] = true
		}
	}
	for w := range p.waiters {
		if w.q.RequestID == "" || !ids[w.q.RequestID] {
			return false
		}
	}
	return true
}

// learnOffset keeps the gateway's clock less this host's at a read
// answered now, with the answer's Date; the caller holds l.mu. The Date is
// whole seconds, so the offset is never later than the gateway's clock.
func (l *sharedLog) learnOffset(date time.Time) {
	if date.IsZero() {
		l.dateless = true
		return
	}
	l.offset, l.hasOffset = date.Sub(l.c.opts.Now()), true
}

// afterRead hands each waiting check what the read found; the caller holds
// l.mu.
func (l *sharedLog) afterRead(p *poller, rows []row, date time.Time, err *readError) {
	c := l.c
	now := c.opts.Now()
	if err != nil {
		refused := err.rateLimited
		if refused {
			l.refusals++
			pause := err.retryAfter
			if pause <= 0 {
				pause = min(minRefusalPause<<min(l.refusals-1, 4), maxRefusalPause)
			}
			l.holdUntil = now.Add(pause)
		}
		for w := range p.waiters {
			l.windowStart(w) // a refusal's Date may have told the gateway's clock
			w.lastErr = err
			if refused {
				w.refused++
			}
			switch left := w.deadline.Sub(now); {
			case !err.transient:
				l.finish(p, w, unavailable(l.withWindow(w, err.Error())))
			case err.retryAfter > left:
				l.finish(p, w, unavailable(l.withWindow(w, err.waitTooLong(max(left, 0)))))
			}
		}
		return
	}
	l.refusals = 0
	l.learnOffset(date)
	var newest int64
	for _, r := range rows {
		newest = max(newest, r.CreatedAt)
	}
	l.last[p.model] = newest
	for k, at := range l.claimed {
		if now.Sub(at) > claimMemory {
			delete(l.claimed, k)
		}
	}
	for w := range p.waiters {
		w.answered++
		if !date.IsZero() {
			w.through = date.Unix()
		}
		start, _ := l.windowStart(w)
		if res, decided := l.match(w, rows, start); decided {
			l.finish(p, w, res)
		}
	}
}

// anyFresh reports a check that joined since the last read began; the
// caller holds l.mu.
func (l *sharedLog) anyFresh(p *poller) bool {
	for w := range p.waiters {
		if w.fresh {
			return true
		}
	}
	return false
}

func claimKey(r row) string {
	return fmt.Sprintf("%d|%d|%s|%s|%d|%d", r.ID, r.CreatedAt, r.TokenName, r.RequestID, r.PromptTokens, r.CompletionTokens)
}

// match looks for w's row among rows: by its request id, else as the one
// row of its model and token from the window's start on with its tokens
// (its signature), not claimed by another check. The caller holds l.mu.
func (l *sharedLog) match(w *waiter, rows []row, start int64) (Result, bool) {
	c, q := l.c, w.q
	var named []row
	count := 0
	for _, r := range rows {
		if q.RequestID != "" && r.RequestID == q.RequestID {
			return c.matchedRow(q, r, MatchedByRequestID), true
		}
		if (q.RequestID == "" || r.RequestID == "") &&
			r.Type == consumeType && r.ModelName == q.Model && r.CreatedAt >= start &&
			r.PromptTokens == q.PromptTokens && r.CompletionTokens == q.CompletionTokens &&
			(c.opts.TokenName == "" || r.TokenName == c.opts.TokenName) && l.claimed[claimKey(r)].IsZero() {
			count++
			if len(named) < maxNamedCandidates {
				named = append(named, r)
			}
		}
	}
	w.named = named
	switch count {
	case 0:
		return Result{}, false
	case 1:
		res := c.matchedRow(q, named[0], MatchedByTimeModelTokens)
		if res.Matched() {
			l.claimed[claimKey(named[0])] = c.opts.Now()
		}
		return res, true
	default:
		// More waiting only adds rows, so the answer cannot improve.
		return Result{Status: Ambiguous, Message: l.ambiguous(w, named, count)}, true
	}
}

// rowsWithoutIDs: the log's rows were seen to carry no request id.
func (c *Reader) rowsWithoutIDs() bool { return c.rowsLackIDs.Load() && !c.carriesIDs.Load() }

// what names the row looked for.
func (l *sharedLog) what(q Query) string {
	c := l.c
	s := fmt.Sprintf("no row of model %s", quoted(q.Model))
	if q.RequestID != "" && !c.rowsWithoutIDs() {
		s = fmt.Sprintf("no row with request id %s and no single row of model %s", quoted(q.RequestID), quoted(q.Model))
	}
	if c.opts.TokenName != "" {
		s += " of token " + quoted(c.opts.TokenName)
	}
	s += fmt.Sprintf(" with %d prompt and %d completion tokens", q.PromptTokens, q.CompletionTokens)
	if q.Ticket.SignatureTokens() > 0 {
		s += " (its signature)"
	}
	return s
}

// searched names the window searched: its start and how far the reads
// reached, on the gateway's clock (the end's date only when it differs).
func (w *waiter) searched() string {
	switch {
	case w.start == 0:
		return "(the gateway's clock unknown: no read was answered)"
	case w.through > w.start:
		from, to := since(w.start), since(w.through)
		if from[:11] == to[:11] {
			to = to[11:]
		}
		return "from " + from + " to " + to
	default:
		return "from " + since(w.start)
	}
}

// withWindow adds the window searched to why a read failed.
func (l *sharedLog) withWindow(w *waiter, why string) string {
	if w.start == 0 {
		return why
	}
	return fmt.Sprintf("%s; it looked for the row of model %s with %d+%d tokens %s", why, quoted(w.q.Model),
		w.q.PromptTokens, w.q.CompletionTokens, w.searched())
}

// ended is the result of a check whose wait ran out; the caller holds l.mu.
func (l *sharedLog) ended(w *waiter) Result {
	c := l.c
	refusals := ""
	if w.refused > 0 {
		refusals = fmt.Sprintf("; %d of them refused (HTTP 429, no Retry-After)", w.refused)
	}
	switch {
	case w.answered > 0:
		return Result{Status: NotFound, Message: fmt.Sprintf("%s in the gateway's log %s after %s over %s%s",
			capitalized(l.what(w.q)), w.searched(), plural(w.reads, "read"), c.opts.Wait, refusals)}
	case w.lastErr != nil:
		return unavailable(l.withWindow(w, fmt.Sprintf("%s (%d of %s)", w.lastErr.Error(), max(w.refused, 1), plural(w.reads, "read"))))
	case w.held:
		limit, window := c.logLimit()
		return unavailable(fmt.Sprintf("the ledger's reads were held back within ledger_wait (%s) to stay inside the log API's limit of %d per %s; %s",
			c.opts.Wait, limit, window, plural(w.reads, "read")))
	default:
		return c.noAnswerAfter(w.reads)
	}
}

// ambiguous names the window, the rows and, where it fits, the way out,
// short enough that none is cut from the stored message.
func (l *sharedLog) ambiguous(w *waiter, named []row, count int) string {
	c, q := l.c, w.q
	names := make([]string, 0, len(named)+1)
	tokens := map[string]bool{}
	for _, r := range named {
		id := ""
		if r.ID != 0 {
			id = fmt.Sprintf("id %d ", r.ID)
		}
		names = append(names, fmt.Sprintf("%sat %s of token %s", id, since(r.CreatedAt), quoted(r.TokenName)))
		tokens[r.TokenName] = true
	}
	if count > len(named) {
		names = append(names, fmt.Sprintf("%d more", count-len(named)))
	}
	way := "Another request of this token had the same tokens: apply again for a new signature"
	if c.opts.TokenName == "" && len(tokens) > 1 {
		way = "Set ledger_token_name to the approved key's token, or use a dedicated token"
	}
	return fmt.Sprintf("%d rows could each be this request (model %s, %d+%d tokens, %s): %s. %s",
		count, quoted(q.Model), q.PromptTokens, q.CompletionTokens, w.searched(), strings.Join(names, "; "), way)
}

// capitalized starts a message with a capital letter.
func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
