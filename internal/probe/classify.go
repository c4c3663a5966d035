package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
)

// verdict is the classification of one attempt. Message is raw: it may quote
// the response and must go through Sanitize before it is stored anywhere.
type verdict struct {
	Category Category
	Message  string
}

// classify turns what one attempt produced (a status and body, or a transport
// error) into a category and a short explanation. It is pure.
func classify(status int, body []byte, err error) verdict {
	switch {
	case err != nil:
		return classifyTransportError(err)
	case status >= 200 && status <= 299:
		return classifySuccess(status, body)
	case status >= 300 && status <= 399:
		return verdict{CategoryRedirect, httpMessage(status, "redirect not followed")}
	case status >= 400 && status <= 599:
		return classifyRefusal(status, body)
	default:
		return verdict{CategoryInvalidResponse, httpMessage(status, "unexpected status code")}
	}
}

func classifyTransportError(err error) verdict {
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		(errors.As(err, &netErr) && netErr.Timeout()) {
		return verdict{CategoryTimeout, err.Error()}
	}
	return verdict{CategoryNetworkError, err.Error()}
}

func classifySuccess(status int, body []byte) verdict {
	if len(body) > MaxBodyBytes {
		return verdict{CategoryInvalidResponse, httpMessage(status, "response body larger than 1 MiB")}
	}
	var envelope errorEnvelope
	if !decodeJSONObject(body, &envelope) {
		return verdict{CategoryInvalidResponse, httpMessage(status, "response is not a JSON object")}
	}
	if failure := envelope.errorField(); failure.present() {
		// Some gateways report failures with a 2xx status.
		text := "response carries an error"
		if failure.Message != "" {
			text += ": " + failure.Message
		}
		return verdict{CategoryInvalidResponse, httpMessage(status, text)}
	}
	return verdict{CategoryOK, httpMessage(status, http.StatusText(status))}
}

func classifyRefusal(status int, body []byte) verdict {
	vendor := parseVendorError(body)
	return verdict{refusalCategory(status, vendor), httpMessage(status, vendor.describe(status, body))}
}

func refusalCategory(status int, e vendorError) Category {
	if c, ok := e.saysGatewayRefusal(status); ok {
		return c
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return CategoryAuthFailure
	case status == http.StatusPaymentRequired:
		return CategoryQuotaExhausted
	case status == http.StatusTooManyRequests && e.saysQuotaExhausted():
		return CategoryQuotaExhausted
	case status == http.StatusTooManyRequests:
		return CategoryRateLimited
	case status == http.StatusBadRequest && e.saysKeyInvalid():
		return CategoryAuthFailure // Gemini answers an invalid key with 400
	case status == http.StatusBadRequest && e.saysCreditsExhausted():
		return CategoryQuotaExhausted // Anthropic answers an empty credit balance with 400
	case status == http.StatusNotFound && e.saysModel():
		return CategoryModelUnavailable // a vendor's "model not found"
	case status < 500:
		return CategoryClientError
	default:
		return CategoryServerError
	}
}

func httpMessage(status int, text string) string {
	return fmt.Sprintf("HTTP %d: %s", status, text)
}
