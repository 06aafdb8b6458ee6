package knockhttp

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzErrorAnswer: any error answer becomes an APIError with its status and a bounded, printable message.
func FuzzErrorAnswer(f *testing.F) {
	f.Add(422, []byte(`{"code":"invalid_params","message":"bad","status":422,"type":"invalid_request_error","errors":[{"field":"members[0].user.id","message":"can't be blank"}]}`))
	f.Add(503, []byte("<html><body>Service Unavailable</body></html>"))
	f.Add(401, []byte(`{"code":`))
	f.Add(500, []byte{0xff, 0xfe, 0x00})
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 400 || status > 599 {
			return
		}
		client := clientAnswering(t, status, body)
		err := client.Do(context.Background(), http.MethodDelete, client.URL(nil, "v1", "audiences", "aud", "members"), []byte(`{}`), nil)
		if StatusCode(err) != status {
			t.Fatalf("status %d came back as %d: %v", status, StatusCode(err), err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "req_fuzz") || len(msg) > maxErrorBody+4096 {
			t.Fatalf("error lacks the request id or is too long (%d bytes)", len(msg))
		}
		if !utf8.ValidString(msg) && utf8.Valid(body) {
			t.Fatalf("error is not valid UTF-8 though the body was: %q", msg)
		}
	})
}
