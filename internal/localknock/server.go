// Package localknock is an in-memory stand-in for Knock's audience-membership endpoints and for the
// audience endpoints of Knock's Management API (mAPI). It answers like Knock does (bearer keys and
// service tokens, Knock's error bodies, cursor pagination, x-request-id) so that the provider's tests
// and demo run without a Knock account, and it lets tests read and change memberships and audience
// definitions directly, count requests and inject faults.
//
// One listener serves both APIs, as their paths do not collide: /v1/audiences/{key}/members is the
// Knock API (secret keys, one environment each), every other /v1/audiences path is the mAPI (service
// tokens of the account, the environment named by the query's environment slug).
package localknock

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Endpoint names one of the calls the local API answers.
type Endpoint string

// The Knock API's audience-membership endpoints: add members, remove members, list members.
const (
	EndpointAdd    Endpoint = "add"
	EndpointRemove Endpoint = "remove"
	EndpointList   Endpoint = "list"
)

// The mAPI's audience endpoints: list, get, upsert, validate and archive audience definitions.
const (
	EndpointAudienceList     Endpoint = "audience_list"
	EndpointAudienceGet      Endpoint = "audience_get"
	EndpointAudienceUpsert   Endpoint = "audience_upsert"
	EndpointAudienceValidate Endpoint = "audience_validate"
	EndpointAudienceArchive  Endpoint = "audience_archive"
)

// management reports whether the endpoint belongs to the mAPI (service tokens, environment slugs).
func (e Endpoint) management() bool {
	switch e {
	case EndpointAudienceList, EndpointAudienceGet, EndpointAudienceUpsert, EndpointAudienceValidate, EndpointAudienceArchive:
		return true
	}
	return false
}

// Knock's limits, which the local API enforces as Knock does.
const (
	// KnockWriteTier and KnockReadTier are Knock's rate tiers: requests per second, per environment and
	// per endpoint, for add and remove (tier 3) and for list (tier 4).
	KnockWriteTier = 60
	KnockReadTier  = 200

	// MaxMembersPerRequest is Knock's limit for one add or remove request.
	MaxMembersPerRequest = 1000
	// MaxPageSize is the largest page_size Knock accepts.
	MaxPageSize = 50
)

// Membership is one (user, tenant) pair. Tenant "" is a membership without tenant.
type Membership struct {
	UserID string
	Tenant string
}

// Server holds the audiences and memberships of one Knock environment per API key.
type Server struct {
	mu               sync.Mutex
	envs             map[string]*environment
	serviceTokens    map[string]bool
	archived         map[string]bool
	rateLimits       map[Endpoint]int
	defaultKey       string
	requests         map[Endpoint]int
	faults           map[Endpoint][]Fault
	inlineIdentifies int
	faultsInjected   int
	requestNo        uint64
	now              func() time.Time

	listener   net.Listener
	httpServer *http.Server
}

// New returns a server that accepts the given secret keys, each its own environment. At least one key
// is required; the first one is the environment the test helpers act on. On the mAPI the environments
// are named "development" (the first key), "production" (the second), then "environment-3",
// "environment-4" and so on; NameEnvironment renames one.
func New(apiKeys ...string) *Server {
	if len(apiKeys) == 0 {
		panic("localknock: New needs at least one API key")
	}
	s := &Server{
		envs:          make(map[string]*environment, len(apiKeys)),
		serviceTokens: map[string]bool{},
		archived:      map[string]bool{},
		requests:      map[Endpoint]int{},
		faults:        map[Endpoint][]Fault{},
		now:           func() time.Time { return time.Now().UTC() },
		rateLimits: map[Endpoint]int{
			EndpointAdd: KnockWriteTier, EndpointRemove: KnockWriteTier, EndpointList: KnockReadTier,
		},
	}
	for i, key := range apiKeys {
		s.envs[key] = newEnvironment(defaultSlug(i))
	}
	s.defaultKey = apiKeys[0]
	return s
}

// defaultSlug is the mAPI name of the environment of the i-th key given to New.
func defaultSlug(i int) string {
	switch i {
	case 0:
		return DevelopmentEnvironment
	case 1:
		return "production"
	}
	return fmt.Sprintf("environment-%d", i+1)
}

// SetRateLimit changes how many requests per second the endpoint accepts in each environment before
// answering 429, as Knock does; 0 turns the limit off. The defaults are Knock's tiers.
func (s *Server) SetRateLimit(endpoint Endpoint, perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimits[endpoint] = perSecond
	for _, env := range s.envs {
		delete(env.windows, endpoint)
	}
}

// Start serves on addr (for example "127.0.0.1:0") until Close.
func (s *Server) Start(addr string) error {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("localknock: listen on %s: %w", addr, err)
	}
	s.listener = listener
	s.httpServer = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.httpServer.Serve(listener) }()
	return nil
}

// URL is the base URL to give the client, such as http://127.0.0.1:41234.
func (s *Server) URL() string {
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Close stops serving and drops open connections.
func (s *Server) Close() error {
	if s.httpServer == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.httpServer.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return s.httpServer.Close()
}
