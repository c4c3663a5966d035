package standin

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The usage APIs answer as the vendors document them: admin keys only (401
// for a wrong key, 403 for an API key), anthropic-version required, buckets
// of one minute paged by next_page, an approved smoke request counted under
// its key id after the lag, and every request recorded.
func TestUsageAPIs(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 30, 0, time.UTC)
	clock := func() time.Time { return now }
	s := New(Options{})
	s.SetUsage(UsageOptions{Now: clock, Lag: time.Minute, PageSize: 2})
	base, stop := s.Start()
	defer stop()
	post, _ := http.NewRequest(http.MethodPost, base+"/v1/chat/completions", strings.NewReader(`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"ping"}]}`))
	post.Header.Set("Authorization", "Bearer "+defaultAPIKey)
	if resp, err := http.DefaultClient.Do(post); err != nil || resp.StatusCode != 200 {
		t.Fatalf("smoke request: %v %v", resp, err)
	}
	get := func(path string, q url.Values, h map[string]string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, base+path+"?"+q.Encode(), nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	openai := url.Values{"start_time": {strconv.FormatInt(now.Add(-time.Minute).Unix(), 10)}, "end_time": {strconv.FormatInt(now.Add(2*time.Minute).Unix(), 10)},
		"bucket_width": {"1m"}, "api_key_ids": {ApprovedKeyID}, "models": {"m"}, "group_by": {"api_key_id", "model"}}
	const path = "/v1/organization/usage/completions"
	for key, want := range map[string]int{"sk-admin-wrong-0000000000000000": 401, defaultAPIKey: 403} {
		if code, _ := get(path, openai, map[string]string{"Authorization": "Bearer " + key}); code != want {
			t.Errorf("key %s: HTTP %d, want %d", key[:8], code, want)
		}
	}
	admin := map[string]string{"Authorization": "Bearer " + DefaultOpenAIAdminKey}
	requests := func(body map[string]any) float64 {
		var n float64
		buckets, _ := body["data"].([]any)
		for _, b := range buckets {
			bucket, _ := b.(map[string]any)
			results, _ := bucket["results"].([]any)
			for _, r := range results {
				result, _ := r.(map[string]any)
				count, _ := result["num_model_requests"].(float64)
				n += count
			}
		}
		return n
	}
	_, first := get(path, openai, admin)
	if buckets, _ := first["data"].([]any); first["has_more"] != true || len(buckets) != 2 || requests(first) != 0 {
		t.Fatalf("first page %v, want 2 empty buckets (the lag) and more", first)
	}
	now = now.Add(2 * time.Minute)
	_, first = get(path, openai, admin)
	next, _ := first["next_page"].(string)
	openai.Set("page", next)
	_, second := get(path, openai, admin)
	if requests(first)+requests(second) != 1 || second["has_more"] != false {
		t.Errorf("pages hold %v requests (more: %v), want the smoke request once", requests(first)+requests(second), second["has_more"])
	}
	anthropic := url.Values{"starting_at": {now.Add(-3 * time.Minute).Format(time.RFC3339)}, "api_key_ids[]": {ApprovedKeyID}}
	const apath = "/v1/organizations/usage_report/messages"
	if code, _ := get(apath, anthropic, map[string]string{"x-api-key": DefaultAnthropicAdminKey}); code != 400 {
		t.Errorf("without anthropic-version: HTTP %d, want 400", code)
	}
	if code, body := get(apath, anthropic, map[string]string{"x-api-key": DefaultAnthropicAdminKey, "anthropic-version": "2023-06-01"}); code != 200 || body["data"] == nil {
		t.Errorf("usage report: HTTP %d %v", code, body)
	}
	if n := len(s.UsageRequests()); n != 7 {
		t.Errorf("%d usage requests recorded, want 7", n)
	}
}
