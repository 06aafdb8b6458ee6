package knock

import (
	"context"
	"net/http"
	"testing"
)

// FuzzListPage: whatever a list answer holds, listing ends with memberships or an error, never a panic
// or an endless loop (every page answers the same cursor, which the client must refuse).
func FuzzListPage(f *testing.F) {
	f.Add([]byte(`{"entries":[{"user_id":"u1","tenant":null},{"user_id":"u2","tenant":"acme"}],"page_info":{"after":null}}`))
	f.Add([]byte(`{"entries":[],"page_info":{"after":"c1"}}`))
	f.Add([]byte(`{"entries":[{"user_id":""}],"page_info":{}}`))
	f.Add([]byte(`<html>502</html>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := clientAnswering(t, http.StatusOK, body).ListMemberships(context.Background(), "aud")
		if err != nil {
			return
		}
		if len(got) > MaxPageSize {
			t.Fatalf("one answer gave %d memberships", len(got))
		}
		for _, m := range got {
			if m.UserID == "" {
				t.Fatalf("a membership without user id: %+v", m)
			}
		}
	})
}
