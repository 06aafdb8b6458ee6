package main

import (
	"context"
	"fmt"
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
	// firstWrite and lastWrite are when the first and the last add or remove arrived since reset: the
	// pace of writes between them shows the provider's worker pool and rate limiter at work.
	firstWrite, lastWrite time.Time
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
		now := time.Now()
		if a.firstWrite.IsZero() {
			a.firstWrite = now
		}
		a.lastWrite = now
	}
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.inFlight--
		a.mu.Unlock()
	}()
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
	a.firstWrite, a.lastWrite = time.Time{}, time.Time{}
	a.mu.Unlock()
}

// counts returns what the local API saw since reset.
func (a *localAPI) counts() (requests map[localknock.Endpoint]int, maxInFlight, conns int, writeSpan time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.knock.Requests(), a.maxInFlight, a.conns, a.lastWrite.Sub(a.firstWrite)
}

func (a *localAPI) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = a.server.Shutdown(ctx)
	_ = a.server.Close()
}
