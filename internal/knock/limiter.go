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

// reserve books the next start and returns how long to wait for it.
func (l *limiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	// The slot being reused holds the start of the request rate places back: this one may start one
	// window after it.
	start := now
	if oldest := l.starts[l.next]; !oldest.IsZero() && oldest.Add(window).After(now) {
		start = oldest.Add(window)
	}
	l.starts[l.next] = start
	l.next = (l.next + 1) % len(l.starts)
	return start.Sub(now)
}

// wait blocks until a request may start, or until ctx is done.
func (l *limiter) wait(ctx context.Context) error {
	delay := l.reserve()
	if delay <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
