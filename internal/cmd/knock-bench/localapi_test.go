package main

import (
	"testing"
	"time"
)

func TestBusiestWindow(t *testing.T) {
	at := func(ms ...int) []time.Time {
		start := time.Unix(0, 0)
		out := make([]time.Time, len(ms))
		for i, m := range ms {
			out[i] = start.Add(time.Duration(m) * time.Millisecond)
		}
		return out
	}
	for _, c := range []struct {
		arrivals []time.Time
		want     int
	}{
		{nil, 0},
		{at(0), 1},
		{at(0, 10, 20, 1010, 1020), 3}, // the window slides: 20, 1010 and 1020 fall within one second too
		{at(0, 999, 1000, 1001), 3},
		{at(0, 500, 900, 1400, 1500), 3}, // 500 and 1500 are a full second apart
		{at(0, 500, 900, 1400, 1450), 4},
	} {
		if got := busiestWindow(c.arrivals, time.Second); got != c.want {
			t.Errorf("busiestWindow(%v) = %d, want %d", c.arrivals, got, c.want)
		}
	}
}
