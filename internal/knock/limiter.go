package knock

import (
	"context"
	"sync"
	"time"
)

// limiter lets at most rate requests start in any window of one second, which is how Knock counts its
// per-endpoint rate tiers. Unlike a token bucket it never allows a burst above the rate, and unlike
// strict spacing it lets a short run of requests (an audience of a few thousand) go at full speed.
// It remembers the start times of the last rate requests in a ring: O(1) per request.
type limiter struct {
	mu     sync.Mutex
	starts []time.Time
	next   int
	now    func() time.Time
}

func newLimiter(rate int) *limiter {
	return &limiter{starts: make([]time.Time, max(rate, 1)), now: time.Now}
}

// window is a little over a second, so that jitter in the network cannot make Knock count rate+1
// arrivals in one of its seconds.
const window = time.Second + 10*time.Millisecond

// reserve books the next start in a slot and returns the slot, the start and how long to wait for it.
func (l *limiter) reserve() (slot int, start time.Time, delay time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	// The slot being reused holds the start of the request rate places back: this one may start one
	// window after it.
	start = now
	if oldest := l.starts[l.next]; !oldest.IsZero() && oldest.Add(window).After(now) {
		start = oldest.Add(window)
	}
	slot = l.next
	l.starts[slot] = start
	l.next = (l.next + 1) % len(l.starts)
	return slot, start, start.Sub(now)
}

// started records when the request booked in slot really started, if later than booked: on a busy
// machine a timer fires late, and the request rate places after it must keep a full window from its
// real start, or Knock counts rate+1 in one second and answers 429.
func (l *limiter) started(slot int, booked time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := l.now(); l.starts[slot].Equal(booked) && now.After(booked) {
		l.starts[slot] = now
	}
}

// wait blocks until a request may start, or until ctx is done.
func (l *limiter) wait(ctx context.Context) error {
	slot, booked, delay := l.reserve()
	if delay <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		l.started(slot, booked)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
