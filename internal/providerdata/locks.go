package providerdata

import "sync"

// AudienceLocks holds a mutex per audience key, so that the reads and writes of the resources of one
// audience in one provider process never interleave.
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
