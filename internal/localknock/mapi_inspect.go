package localknock

import (
	"fmt"
	"slices"
)

// These helpers set up the mAPI side and read or change audience definitions out of band, the way the
// dashboard or another tool would, without counting as requests. Environments are named by their mAPI
// slug here.

// AddServiceToken makes the mAPI accept the token (no token is accepted by default).
func (s *Server) AddServiceToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serviceTokens[token] = true
}

// NameEnvironment makes slug the mAPI name of apiKey's environment. It panics when apiKey is not one
// of the server's keys or another environment has the slug, as two environments cannot share a name.
func (s *Server) NameEnvironment(apiKey, slug string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	env := s.envs[apiKey]
	if env == nil {
		panic("localknock: NameEnvironment: the server has no such API key")
	}
	if other := s.environmentNamed(slug); other != nil && other != env {
		panic(fmt.Sprintf("localknock: NameEnvironment: another environment is named %q", slug))
	}
	env.slug = slug
}

// EnvironmentSlug returns the mAPI name of apiKey's environment ("" when the server has no such key).
func (s *Server) EnvironmentSlug(apiKey string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if env := s.envs[apiKey]; env != nil {
		return env.slug
	}
	return ""
}

// SetAudienceDefinition creates or changes the audience in the environment named slug and commits the
// change, as a dashboard edit would: a test's drift. It checks nothing (not even that the type stays),
// so that tests can set up what the mAPI would refuse; SHA and Committed of def are ignored. It panics
// when no environment has the slug.
func (s *Server) SetAudienceDefinition(slug, key string, def AudienceDefinition) {
	s.mu.Lock()
	defer s.mu.Unlock()
	env := s.mustEnvironmentNamed(slug)
	now := s.now()
	if a := env.audience(key); a != nil {
		a.content.commit(def, "", now)
		return
	}
	env.audiences[key] = newAudience(newContent(def, now))
}

// AudienceDefinition returns the audience's latest definition in the environment named slug (not a
// branch's), uncommitted changes included; false when the audience does not exist there or was archived.
func (s *Server) AudienceDefinition(slug, key string) (AudienceDefinition, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustEnvironmentNamed(slug).audience(key)
	if a == nil {
		return AudienceDefinition{}, false
	}
	def := a.content.current().def.clone()
	def.Committed = a.content.draft == nil
	return def, true
}

// Commits returns the messages of the audience's commits in the environment named slug, oldest first
// ("" for a commit without message, such as the one that creates an audience out of band); nil when
// the audience does not exist there.
func (s *Server) Commits(slug, key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustEnvironmentNamed(slug).audience(key)
	if a == nil {
		return nil
	}
	return slices.Clone(a.content.commits)
}

// Archived reports whether the audience was archived and no environment has had it since.
func (s *Server) Archived(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.archived[key] {
		return false
	}
	for _, env := range s.envs {
		if env.audience(key) != nil {
			return false
		}
	}
	return true
}

func (s *Server) mustEnvironmentNamed(slug string) *environment {
	env := s.environmentNamed(slug)
	if env == nil {
		panic(fmt.Sprintf("localknock: no environment is named %q", slug))
	}
	return env
}
