package standin

import "net/http"

// page is one public source page the stand-in serves.
type page struct {
	status int
	body   string
}

// SetPage sets the page served at GET /pages/{kind}, replacing any before.
func (s *Server) SetPage(kind string, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[kind] = page{status: status, body: body}
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts.pageRequests++
	s.counts.pageHeaders = append(s.counts.pageHeaders, r.Header.Clone())
	p, ok := s.pages[r.PathValue("kind")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	writeBytes(w, p.status, http.DetectContentType([]byte(p.body)), []byte(p.body))
}

// DefaultPages returns the four source pages the default policy requires,
// by kind. They describe what a real page would cover and state no prices,
// quotas or limits as facts.
func DefaultPages() map[string]string {
	return map[string]string{
		"pricing":        sourcePage("Pricing", "how the AI API is billed: per token, per request or per unit. This stand-in states no prices; read the vendor's current page before a spend decision."),
		"support":        sourcePage("Support", "how to reach the vendor about failed requests, billing disputes and incidents, and which request id to quote."),
		"allocation":     sourcePage("Cost allocation", "how spend is tagged by owner, workload and environment so each team sees its own usage."),
		"unit_economics": sourcePage("Unit economics", "how usage maps to a business unit such as a document processed, and which usage fields count."),
	}
}

func sourcePage(title, covers string) string {
	return "<!DOCTYPE html>\n<html><head><title>" + title + " (costhandoff stand-in)</title></head>\n" +
		"<body><h1>" + title + "</h1><p>This local stand-in page covers " + covers + "</p></body></html>\n"
}
