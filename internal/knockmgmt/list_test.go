package knockmgmt_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
)

// pages answers the list endpoint with n pages of two audiences each, the cursor "c<i>" leading to page i.
func pages(n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		i := 0
		if after := r.URL.Query().Get("after"); after != "" {
			_, _ = fmt.Sscanf(after, "c%d", &i)
		}
		next := "null"
		if i+1 < n {
			next = fmt.Sprintf(`"c%d"`, i+1)
		}
		fmt.Fprintf(w, `{"entries":[{"key":"a%[1]d","type":"static","name":"A"},{"key":"b%[1]d","type":"static","name":"B"}],"page_info":{"after":%[2]s,"before":null,"page_size":2}}`, i, next)
	}
}

func TestClient_listPagesWithLimitAndAfter(t *testing.T) {
	fake, client := startFake(t, pages(3))
	var keys []string
	err := client.ListAudiences(context.Background(), knockmgmt.Location{Environment: "development", Branch: "b"}, func(a knockmgmt.Audience) error {
		keys = append(keys, a.Key)
		return nil
	})
	if err != nil || strings.Join(keys, ",") != "a0,b0,a1,b1,a2,b2" {
		t.Fatalf("listed %v, %v", keys, err)
	}
	var queries []string
	for _, r := range fake.received() {
		queries = append(queries, r.Method+" "+r.Path+"?"+r.Query)
	}
	want := "GET /v1/audiences?branch=b&environment=development&limit=50 " +
		"GET /v1/audiences?after=c1&branch=b&environment=development&limit=50 " +
		"GET /v1/audiences?after=c2&branch=b&environment=development&limit=50"
	if strings.Join(queries, " ") != want {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(queries, "\n"), want)
	}
}

func TestClient_listStopsWhereItMust(t *testing.T) {
	loc := knockmgmt.Location{Environment: "development"}
	stop := errors.New("enough")
	fake, client := startFake(t, pages(3))
	seen := 0
	err := client.ListAudiences(context.Background(), loc, func(knockmgmt.Audience) error { seen++; return stop })
	if !errors.Is(err, stop) || seen != 1 || len(fake.received()) != 1 {
		t.Errorf("each's error: got %v after %d audiences and %d requests, want it after 1 and 1", err, seen, len(fake.received()))
	}

	_, repeating := startFake(t, answer(200, `{"entries":[],"page_info":{"after":"same"}}`))
	wantError(t, repeating.ListAudiences(context.Background(), loc, func(knockmgmt.Audience) error { return nil }), `cursor "same" twice`)

	for name, tc := range map[string]struct {
		cfg          knockmgmt.Config
		want         string
		wantRequests int
	}{
		"pages":   {knockmgmt.Config{MaxListPages: 2}, "more than 2 pages", 2},
		"entries": {knockmgmt.Config{MaxListEntries: 3}, "more than 3 audiences", 2},
	} {
		t.Run(name, func(t *testing.T) {
			fake, client := startFakeWith(t, tc.cfg, pages(10))
			wantError(t, client.ListAudiences(context.Background(), loc, func(knockmgmt.Audience) error { return nil }), tc.want)
			if n := len(fake.received()); n != tc.wantRequests {
				t.Errorf("%d requests, want %d", n, tc.wantRequests)
			}
		})
	}
}
