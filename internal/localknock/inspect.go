package localknock

import (
	"cmp"
	"maps"
	"slices"
)

// These helpers let tests and the demo read and change the default environment (the first API key)
// directly, the way a dashboard user or another sync would: out of band, without counting as requests.

// CreateAudience makes an empty static audience if it does not exist.
func (s *Server) CreateAudience(audienceKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.envs[s.defaultKey].ensureStaticAudience(audienceKey, s.now())
}

// AddMemberships adds memberships to an audience, creating the audience and the users if needed.
func (s *Server) AddMemberships(audienceKey string, memberships ...Membership) {
	s.mu.Lock()
	defer s.mu.Unlock()
	env := s.envs[s.defaultKey]
	now := s.now()
	aud := env.ensureStaticAudience(audienceKey, now)
	for _, m := range memberships {
		env.ensureUser(m.UserID, now)
		aud.add(m, now)
	}
}

// RemoveMemberships removes memberships from an audience; unknown ones are ignored.
func (s *Server) RemoveMemberships(audienceKey string, memberships ...Membership) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if aud := s.envs[s.defaultKey].audience(audienceKey); aud != nil {
		for _, m := range memberships {
			aud.remove(m)
		}
	}
}

// Memberships returns the audience's memberships sorted by user, then tenant (nil for an unknown audience).
func (s *Server) Memberships(audienceKey string) []Membership {
	s.mu.Lock()
	defer s.mu.Unlock()
	aud := s.envs[s.defaultKey].audience(audienceKey)
	if aud == nil {
		return nil
	}
	out := slices.Collect(maps.Keys(aud.members))
	slices.SortFunc(out, func(a, b Membership) int {
		return cmp.Or(cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.Tenant, b.Tenant))
	})
	return out
}

// SetUser stores a user's standard and custom properties, as an identify call would.
func (s *Server) SetUser(user User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	env := s.envs[s.defaultKey]
	existing := env.ensureUser(user.ID, s.now())
	user.CreatedAt = existing.CreatedAt
	user.UpdatedAt = s.now()
	user.Properties = maps.Clone(user.Properties)
	*existing = user
}

// Requests returns how many requests each endpoint received since the start or the last ResetRequests,
// whatever their outcome.
func (s *Server) Requests() map[Endpoint]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.requests)
}

// ResetRequests sets every request count to zero.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = map[Endpoint]int{}
}

// InlineIdentifies counts members sent with user properties besides "id", each of which would upsert
// the user in Knock.
func (s *Server) InlineIdentifies() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inlineIdentifies
}
