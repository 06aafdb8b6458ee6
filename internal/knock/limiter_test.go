package knock

import (
	"context"
	"testing"
	"time"
)

// The clock moves only when the test says, so the test asserts the schedule, not the machine's speed.
func TestLimiter_neverMoreThanRatePerSecond(t *testing.T) {
	clock := time.Unix(1000, 0)
	l := newLimiter(3)
	l.now = func() time.Time { return clock }

	var delays []time.Duration
	for i := range 7 {
		if i == 5 {
			clock = clock.Add(500 * time.Millisecond) // time passes: the wait shrinks by as much
		}
		delays = append(delays, l.reserve())
	}
	ms := time.Millisecond
	want := []time.Duration{0, 0, 0, 1010 * ms, 1010 * ms, 510 * ms, 1520 * ms}
	for i, d := range delays {
		if d != want[i] {
			t.Errorf("request %d waits %v, want %v", i, d, want[i])
		}
	}
}

func TestLimiter_waitHonoursContext(t *testing.T) {
	l := newLimiter(1)
	if err := l.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.wait(ctx); err == nil {
		t.Error("wait on a cancelled context returned nil")
	}
}
