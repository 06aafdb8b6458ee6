package providerdata

import "sync"

// AudienceLocks holds a mutex per audience key, so that the listings and writes of the
// knock_audience_members resources of one audience in one provider process never interleave.
// knock_audience_member does not take them: its calls go through its coalescer (internal/coalesce), and
// the claims registry reports at plan where it and a knock_audience_members touch one membership.
type AudienceLocks struct {
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// Lock serialises the work of one audience; it returns the unlock.
func (l *AudienceLocks) Lock(audienceKey string) func() {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*sync.Mutex{}
	}
	mu := l.locks[audienceKey]
	if mu == nil {
		mu = &sync.Mutex{}
		l.locks[audienceKey] = mu
	}
	l.mu.Unlock()
	mu.Lock()
	return mu.Unlock
}
