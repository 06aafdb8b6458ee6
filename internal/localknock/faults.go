package localknock

import (
	"bytes"
	"net/http"
	"strconv"
	"time"
)

// Fault is what the local API does instead of (or before) answering one request. Schedule them with
// InjectFaults; a zero Fault lets its request through untouched, so "fail the third add" is
// InjectFaults(EndpointAdd, Fault{}, Fault{}, Fault{Status: 500}).
type Fault struct {
	// Delay is waited before anything else, then the request goes on unless another field says otherwise.
	Delay time.Duration
	// Status, when set, is answered with Knock's error body (or Body when set) instead of the real answer.
	Status int
	Body   string
	// RetryAfter and RetryAfterMs set the matching headers on a Status answer.
	RetryAfter   string
	RetryAfterMs int
	// DropConnection closes the connection without an answer.
	DropConnection bool
	// TruncateBody sends the real answer's status and headers but only the first half of its body, then
	// closes the connection; an answer without a body (add, remove) is not sent at all. The request itself
	// takes effect, as when a connection breaks after Knock acted.
	TruncateBody bool
}

// truncatingWriter passes the status and headers on and keeps the body, so that finish can send half of it.
type truncatingWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (t *truncatingWriter) WriteHeader(status int) { t.status = status }

func (t *truncatingWriter) Write(p []byte) (int, error) { return t.body.Write(p) }

// finish announces the whole body's length, sends half of it and closes the connection. Half of an
// empty body is the whole answer, so then it closes the connection before answering.
func (t *truncatingWriter) finish() {
	if t.body.Len() == 0 {
		t.closeConnection()
		return
	}
	if t.status == 0 {
		t.status = http.StatusOK
	}
	t.ResponseWriter.Header().Set("Content-Length", strconv.Itoa(t.body.Len()))
	t.ResponseWriter.WriteHeader(t.status)
	_, _ = t.ResponseWriter.Write(t.body.Bytes()[:t.body.Len()/2])
	if flusher, ok := t.ResponseWriter.(http.Flusher); ok {
		flusher.Flush()
	}
	t.closeConnection()
}

func (t *truncatingWriter) closeConnection() {
	if hijacker, ok := t.ResponseWriter.(http.Hijacker); ok {
		if conn, _, err := hijacker.Hijack(); err == nil {
			_ = conn.Close()
		}
	}
}

// InjectFaults appends faults to the endpoint's schedule: each request to the endpoint takes the next one.
func (s *Server) InjectFaults(endpoint Endpoint, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[endpoint] = append(s.faults[endpoint], faults...)
}

// FaultsInjected counts the faults acted out so far (pass-through entries of a schedule do not count).
func (s *Server) FaultsInjected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faultsInjected
}

// ClearFaults drops every scheduled fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[Endpoint][]Fault{}
}

func (s *Server) takeFaultLocked(endpoint Endpoint) (Fault, bool) {
	queue := s.faults[endpoint]
	if len(queue) == 0 {
		return Fault{}, false
	}
	s.faults[endpoint] = queue[1:]
	if queue[0] != (Fault{}) {
		s.faultsInjected++
	}
	return queue[0], true
}

// apply acts out the fault and reports whether it answered the request.
func (f Fault) apply(w http.ResponseWriter) bool {
	if f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	if f.DropConnection {
		if hijacker, ok := w.(http.Hijacker); ok {
			if conn, _, err := hijacker.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.Status == 0 {
		return false
	}
	if f.TruncateBody {
		panic("localknock: TruncateBody goes without Status: it cuts the real answer")
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.RetryAfterMs > 0 {
		w.Header().Set("Retry-After-Ms", strconv.Itoa(f.RetryAfterMs))
	}
	if f.Body != "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
		return true
	}
	writeError(w, f.Status, faultCode(f.Status), "api_error", http.StatusText(f.Status)+" (injected by the local Knock API)", nil)
	return true
}

// faultCode is the code Knock sends with the status: an injected 404 is Knock's unknown audience (a
// Body makes it a foreign one).
func faultCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	case http.StatusNotFound:
		return "resource_missing"
	}
	return "injected_fault"
}
