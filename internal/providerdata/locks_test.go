package providerdata

import (
	"testing"
	"time"
)

// TestAudienceLocks: passes on one audience never interleave; passes on different audiences do not wait.
func TestAudienceLocks(t *testing.T) {
	var locks AudienceLocks
	unlock := locks.Lock("beta")

	otherDone := make(chan struct{})
	go func() {
		locks.Lock("gamma")()
		close(otherDone)
	}()
	waitFor(t, otherDone, "a pass on another audience") // would hang if audiences shared one lock

	sameDone := make(chan struct{})
	go func() {
		locks.Lock("beta")()
		close(sameDone)
	}()
	select {
	case <-sameDone:
		t.Fatal("a second pass on the same audience started while the first held it")
	case <-time.After(50 * time.Millisecond):
	}
	unlock()
	waitFor(t, sameDone, "the second pass on the same audience, once the first released it")
}

func waitFor(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not run within 5 s", what)
	}
}
