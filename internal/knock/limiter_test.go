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
		_, _, delay := l.reserve()
		delays = append(delays, delay)
	}
	ms := time.Millisecond
	want := []time.Duration{0, 0, 0, 1010 * ms, 1010 * ms, 510 * ms, 1520 * ms}
	for i, d := range delays {
		if d != want[i] {
			t.Errorf("request %d waits %v, want %v", i, d, want[i])
		}
	}
}

// A request that starts later than booked (a timer firing late on a busy machine) moves its slot: the
// request rate places after it keeps a full window from the real start.
func TestLimiter_lateStartMovesItsSlot(t *testing.T) {
	clock := time.Unix(1000, 0)
	l := newLimiter(2)
	l.now = func() time.Time { return clock }
	l.reserve()
	l.reserve()
	slot, booked, delay := l.reserve() // reuses the first slot: one window after it
	if delay != 1010*time.Millisecond {
		t.Fatalf("third request waits %v, want 1.01s", delay)
	}
	clock = booked.Add(200 * time.Millisecond) // it really starts 200 ms late
	l.started(slot, booked)
	l.reserve() // the second slot: free by now
	// The first slot again: one window after the real start, 1.01 s from now (810 ms if the late start
	// were not recorded, and Knock would count three requests within one second).
	if _, _, delay = l.reserve(); delay != 1010*time.Millisecond {
		t.Errorf("the request after the late one waits %v, want 1.01s", delay)
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
