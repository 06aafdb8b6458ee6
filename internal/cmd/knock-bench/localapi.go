package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

const (
	benchAPIKey   = "sk_test_bench"
	benchAudience = "bench"
)

// localAPI is the local Knock API served in-process, so that request counts can be read and reset
// between the steps of one Terraform state, behind a handler that adds latency and tracks how many
// requests are in flight at once.
type localAPI struct {
	knock   *localknock.Server
	latency time.Duration
	server  *http.Server
	url     string

	mu          sync.Mutex
	inFlight    int
	maxInFlight int
	conns       int // connections opened since reset: more than a few means keep-alive is lost
	// writes are when each add or remove arrived since reset: their pace shows the provider's worker
	// pool and rate limiter at work.
	writes []time.Time
	// addSizes are the members of each add since reset: how well the provider batches.
	addSizes []int
}

func startLocalAPI(latency time.Duration) (*localAPI, error) {
	a := &localAPI{knock: localknock.New(benchAPIKey), latency: latency}
	a.knock.CreateAudience(benchAudience)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("local Knock API: %w", err)
	}
	a.url = "http://" + listener.Addr().String()
	a.server = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second, ConnState: a.connState}
	go func() { _ = a.server.Serve(listener) }()
	return a, nil
}

func (a *localAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.inFlight++
	a.maxInFlight = max(a.maxInFlight, a.inFlight)
	if r.Method == http.MethodPost || r.Method == http.MethodDelete {
		a.writes = append(a.writes, time.Now())
	}
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.inFlight--
		a.mu.Unlock()
	}()
	if r.Method == http.MethodPost {
		if members, ok := countMembers(r); ok {
			a.mu.Lock()
			a.addSizes = append(a.addSizes, members)
			a.mu.Unlock()
		}
	}
	if a.latency > 0 {
		t := time.NewTimer(a.latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	a.knock.ServeHTTP(w, r)
}

// countMembers reads the members of an add request's body, and leaves a copy of the body for the local
// API (which refuses one that cannot be counted).
func countMembers(r *http.Request) (int, bool) {
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var add struct{ Members []struct{} }
	if err != nil || json.Unmarshal(body, &add) != nil {
		return 0, false
	}
	return len(add.Members), true
}

func (a *localAPI) connState(_ net.Conn, state http.ConnState) {
	if state == http.StateNew {
		a.mu.Lock()
		a.conns++
		a.mu.Unlock()
	}
}

// reset starts the counts of a new step.
func (a *localAPI) reset() {
	a.knock.ResetRequests()
	a.mu.Lock()
	a.maxInFlight, a.conns = 0, 0
	a.writes, a.addSizes = nil, nil
	a.mu.Unlock()
}

// fill puts in m what the local API saw since reset.
func (a *localAPI) fill(m *measure) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.writes) > 0 {
		m.writeSpan = a.writes[len(a.writes)-1].Sub(a.writes[0])
	}
	m.requests, m.inFlight, m.conns = a.knock.Requests(), a.maxInFlight, a.conns
	m.writesPerSec, m.addSizes = busiestWindow(a.writes, time.Second), a.addSizes
}

// busiestWindow returns the most arrivals (in order) that fall within any window of the given length:
// what Knock's per-second rate limit counts.
func busiestWindow(arrivals []time.Time, window time.Duration) int {
	most, first := 0, 0
	for last, t := range arrivals {
		for t.Sub(arrivals[first]) >= window {
			first++
		}
		most = max(most, last-first+1)
	}
	return most
}

func (a *localAPI) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = a.server.Shutdown(ctx)
	_ = a.server.Close()
}
