package probe

// Response bodies in the shapes the vendors document, with fake ids and keys.

const (
	testKey        = "sk-test-approved-key-0000"
	testInvalidKey = "sk-test-invalid-key-1111"
)

const openAIChatOK = `{
  "id": "chatcmpl-test0001",
  "object": "chat.completion",
  "created": 1741569952,
  "model": "gpt-4.1-2025-04-14",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello", "refusal": null, "annotations": []}, "logprobs": null, "finish_reason": "length"}],
  "usage": {"prompt_tokens": 8, "completion_tokens": 1, "total_tokens": 9,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
  "service_tier": "default",
  "system_fingerprint": "fp_test"
}`

const openAIResponsesOK = `{
  "id": "resp_test0002", "object": "response", "created_at": 1741476542, "status": "incomplete",
  "error": null, "incomplete_details": {"reason": "max_output_tokens"}, "instructions": null,
  "max_output_tokens": 16, "model": "gpt-4.1-mini-2025-04-14",
  "output": [{"type": "message", "id": "msg_test", "status": "incomplete", "role": "assistant",
    "content": [{"type": "output_text", "text": "Hello", "annotations": []}]}],
  "usage": {"input_tokens": 8, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 16,
    "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 24},
  "user": null, "metadata": {}
}`

const anthropicOK = `{
  "id": "msg_test0003", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
  "content": [{"type": "text", "text": "Hi"}], "stop_reason": "max_tokens", "stop_sequence": null,
  "usage": {"input_tokens": 8, "cache_creation_input_tokens": 100, "cache_read_input_tokens": 20,
    "output_tokens": 1, "service_tier": "standard"}
}`

const geminiOK = `{
  "candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"}, "finishReason": "MAX_TOKENS", "index": 0}],
  "usageMetadata": {"promptTokenCount": 2, "candidatesTokenCount": 1, "totalTokenCount": 3,
    "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 2}]},
  "modelVersion": "gemini-2.0-flash",
  "responseId": "gemini-test0004"
}`

const (
	openAIInvalidKey = `{"error": {"message": "Incorrect API key provided: sk-test-****************1111. You can find your API key at https://platform.openai.com/account/api-keys.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}`
	openAIRateLimit  = `{"error": {"message": "Rate limit reached for gpt-4o in organization org-test on tokens per min (TPM): Limit 30000, Used 29000, Requested 1500. Please try again in 2s. You can increase your rate limit by adding a payment method to your account at https://platform.openai.com/account/billing.", "type": "tokens", "param": null, "code": "rate_limit_exceeded"}}`
	openAIQuota      = `{"error": {"message": "You exceeded your current quota, please check your plan and billing details.", "type": "insufficient_quota", "param": null, "code": "insufficient_quota"}}`
	openAIBadModel   = `{"error": {"message": "The model ` + "`gpt-nope`" + ` does not exist or you do not have access to it.", "type": "invalid_request_error", "param": null, "code": "model_not_found"}}`

	anthropicInvalidKey = `{"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}, "request_id": "req_test0005"}`
	anthropicRateLimit  = `{"type": "error", "error": {"type": "rate_limit_error", "message": "This request would exceed the rate limit for your organization of 50 requests per minute."}}`
	anthropicOverloaded = `{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}`

	geminiInvalidKey = `{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}]}}`
	geminiQuota      = `{"error": {"code": 429, "message": "You exceeded your current quota, please check your plan and billing details.", "status": "RESOURCE_EXHAUSTED", "details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests", "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]}]}}`
	geminiExhausted  = `{"error": {"code": 429, "message": "Resource has been exhausted.", "status": "RESOURCE_EXHAUSTED"}}`
	geminiBadArg     = `{"error": {"code": 400, "message": "* GenerateContentRequest.generation_config.max_output_tokens: must be positive", "status": "INVALID_ARGUMENT"}}`

	gatewayCredits  = `{"error": {"message": "Insufficient credits. Add more using https://example.test/credits", "code": 402}}`
	gatewayHTML     = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
	gateway200Error = `{"error": {"message": "upstream request failed", "type": "upstream_error"}}`
)

// recordedBodies seeds the fuzz targets.
var recordedBodies = []string{
	openAIChatOK, openAIResponsesOK, anthropicOK, geminiOK,
	openAIInvalidKey, openAIRateLimit, openAIQuota, openAIBadModel,
	anthropicInvalidKey, anthropicRateLimit, anthropicOverloaded,
	geminiInvalidKey, geminiQuota, geminiExhausted, geminiBadArg,
	gatewayCredits, gatewayHTML, gateway200Error,
	oneAPIInvalidToken, oneAPITokenQuota, oneAPIUserQuota, oneAPIModelDenied, oneAPINoChannel, oneAPINoPrice,
	newAPIInvalidToken, newAPITokenQuota, newAPIUserQuota, newAPIModelDenied, newAPINoChannel, newAPINoPrice,
}

// Answers of the one-api / new-api gateway family (DESIGN.md, The one-api / new-api gateway family), as real
// builds of both send them; ids and keys are fake.
const (
	gatewayID = "2026113002045454547535260832950"

	oneAPIInvalidToken  = `{"error":{"message":"无效的令牌 (request id: ` + gatewayID + `)","type":"one_api_error"}}`
	oneAPIDisabled      = `{"error":{"message":"该令牌状态不可用 (request id: ` + gatewayID + `)","type":"one_api_error"}}`
	oneAPIExpired       = `{"error":{"message":"该令牌已过期 (request id: ` + gatewayID + `)","type":"one_api_error"}}`
	oneAPITokenQuota    = `{"error":{"message":"该令牌额度已用尽 (request id: ` + gatewayID + `)","type":"one_api_error"}}`
	oneAPIUserQuota     = `{"error":{"message":"user quota is not enough (request id: ` + gatewayID + `)","type":"one_api_error","code":"insufficient_user_quota"}}`
	oneAPIModelDenied   = `{"error":{"message":"该令牌无权使用模型：gpt-test (request id: ` + gatewayID + `)","type":"one_api_error"}}`
	oneAPINoChannel     = `{"error":{"message":"当前分组 default 下对于模型 gpt-test 无可用渠道 (request id: ` + gatewayID + `)","type":"one_api_error"}}`
	oneAPINoPrice       = `{"error":{"message":"model price not set for gpt-test (request id: ` + gatewayID + `)","type":"one_api_error","code":"model_price_error"}}`
	oneAPIUpstream429   = `{"error":{"message":"当前分组上游负载已饱和，请稍后再试 (request id: ` + gatewayID + `)","type":"one_api_error","code":"rate_limit_exceeded"}}`
	oneAPIUpstream500   = `{"error":{"message":"upstream error (request id: ` + gatewayID + `)","type":"one_api_error","code":"server_error"}}`
	newAPIInvalidToken  = `{"error":{"message":"无效的令牌 (request id: ` + gatewayID + `)","type":"new_api_error"}}`
	newAPITokenQuota    = `{"error":{"message":"[sk-Ab3***Xy4z] 该令牌额度已用尽 (request id: ` + gatewayID + `)","type":"new_api_error"}}`
	newAPIUserQuota     = `{"error":{"message":"用户额度不足, 剩余额度: ＄0.000000 (request id: ` + gatewayID + `)","type":"new_api_error","code":"insufficient_user_quota"}}`
	newAPIModelDenied   = `{"error":{"message":"该令牌无权访问模型 gpt-test (request id: ` + gatewayID + `)","type":"new_api_error"}}`
	newAPINoChannel     = `{"error":{"message":"当前分组 default 下对于模型 gpt-test 无可用渠道 (request id: ` + gatewayID + `)","type":"new_api_error","code":"model_not_found"}}`
	newAPINoPrice       = `{"error":{"message":"模型 gpt-test 倍率或价格未配置 (request id: ` + gatewayID + `)","type":"new_api_error","code":"model_price_error"}}`
	newAPIExpiredToken  = `{"error":{"message":"该令牌已过期 (request id: ` + gatewayID + `)","type":"new_api_error"}}`
	newAPIDisabledToken = `{"error":{"message":"该令牌状态不可用 (request id: ` + gatewayID + `)","type":"new_api_error"}}`
)
