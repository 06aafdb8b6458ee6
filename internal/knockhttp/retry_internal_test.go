package knockhttp

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"milliseconds first", http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"9"}}, 250 * time.Millisecond, true},
		{"seconds", http.Header{"Retry-After": {"2"}}, 2 * time.Second, true},
		{"HTTP date", http.Header{"Retry-After": {now.Add(3 * time.Second).Format(http.TimeFormat)}}, 3 * time.Second, true},
		{"date in the past", http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0, true},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0, false},
		{"none", http.Header{}, 0, false},
	}
	for _, tc := range tests {
		got, ok := retryAfter(tc.header, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: retryAfter = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRetryWait_backoffDoublesToTheCapWithJitter(t *testing.T) {
	for attempt, ceiling := range map[int]time.Duration{1: 500 * time.Millisecond, 2: time.Second, 3: 2 * time.Second, 5: 8 * time.Second, 9: 8 * time.Second} {
		for range 20 {
			wait := retryWait(nil, attempt)
			if wait > ceiling || wait < ceiling*3/4 {
				t.Fatalf("attempt %d: wait %v outside [%v, %v]", attempt, wait, ceiling*3/4, ceiling)
			}
		}
	}
}

func TestRetryWait_retryAfterIsCapped(t *testing.T) {
	resp := &http.Response{Header: http.Header{"Retry-After": {"3600"}}}
	if wait := retryWait(resp, 1); wait != maxRetryAfter {
		t.Errorf("Retry-After: 3600 waits %v, want the cap %v", wait, maxRetryAfter)
	}
}

// TestRetryAfter_outOfRange: a wait too long to represent is the cap, not an overflow to zero; a
// negative or NaN one is no answer at all, so backoff applies.
func TestRetryAfter_outOfRange(t *testing.T) {
	for _, value := range []string{"1e300", "Inf", "+Inf", "9223372037"} {
		for _, header := range []string{"Retry-After", "Retry-After-Ms"} {
			resp := &http.Response{Header: http.Header{header: {value}}}
			if wait := retryWait(resp, 1); wait != maxRetryAfter {
				t.Errorf("%s: %s waits %v, want the cap %v", header, value, wait, maxRetryAfter)
			}
		}
	}
	for _, value := range []string{"-1", "NaN", "-Inf"} {
		resp := &http.Response{Header: http.Header{"Retry-After": {value}}}
		if wait := retryWait(resp, 1); wait < 375*time.Millisecond || wait > 500*time.Millisecond {
			t.Errorf("Retry-After: %s waits %v, want the first backoff step", value, wait)
		}
	}
}
