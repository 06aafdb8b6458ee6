package localknock

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// MaxAudienceLimit is the largest limit the mAPI's audience list accepts here. Knock does not document
// one (unconfirmed); the local API uses the Knock API's page size, so that a client that works here
// cannot ask real Knock for more than Knock's other listings give.
const MaxAudienceLimit = 50

type conditionJSON struct {
	Property string  `json:"property"`
	Operator string  `json:"operator"`
	Argument *string `json:"argument"`
}

type segmentJSON struct {
	Conditions []conditionJSON `json:"conditions"`
}

type audienceJSON struct {
	Key         string         `json:"key"`
	Type        string         `json:"type"`
	Name        string         `json:"name"`
	Description *string        `json:"description"`
	Environment string         `json:"environment"`
	SHA         string         `json:"sha"`
	CreatedAt   string         `json:"created_at"`
	UpdatedAt   string         `json:"updated_at"`
	Segments    *[]segmentJSON `json:"segments,omitempty"`
}

// mapiPageInfoJSON is the mAPI's PageInfo, which has no __typename.
type mapiPageInfoJSON struct {
	After    *string `json:"after"`
	Before   *string `json:"before"`
	PageSize int     `json:"page_size"`
}

// location is where an mAPI request acts: an environment and, in development only, a branch.
type location struct {
	env    *environment
	branch string
}

// serveManagement answers the mAPI's audience calls after routing, counting and faults.
func (s *Server) serveManagement(w http.ResponseWriter, r *http.Request, endpoint Endpoint, audienceKey string) {
	if status, msg := s.authenticateService(r); status != 0 {
		writeError(w, status, "unauthorized", "authentication_error", msg, nil)
		return
	}
	query := r.URL.Query()
	loc, ok := s.locate(w, query, endpoint != EndpointAudienceArchive)
	if !ok || s.rateLimited(w, loc.env, endpoint) {
		return
	}
	switch endpoint {
	case EndpointAudienceList:
		s.handleAudienceList(w, query, loc)
	case EndpointAudienceGet:
		s.handleAudienceGet(w, query, loc, audienceKey)
	case EndpointAudienceUpsert, EndpointAudienceValidate:
		s.handleAudienceWrite(w, r, query, loc, endpoint, audienceKey)
	case EndpointAudienceArchive:
		s.handleAudienceArchive(w, loc, audienceKey)
	}
}

// authenticateService accepts the service tokens given to AddServiceToken; a secret key is refused
// here as Knock refuses it on the mAPI.
func (s *Server) authenticateService(r *http.Request) (int, string) {
	token := bearerToken(r)
	if token == "" {
		return http.StatusUnauthorized, tokenMissing
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.serviceTokens[token] {
		return http.StatusUnauthorized, tokenInvalid
	}
	return 0, ""
}

// locate reads the environment slug (required) and, when the endpoint takes one, the branch, which
// Knock accepts only in the development environment.
func (s *Server) locate(w http.ResponseWriter, query url.Values, withBranch bool) (location, bool) {
	slug := query.Get("environment")
	if slug == "" {
		writeInvalidParam(w, fieldError{Field: "environment", Message: "is required", Type: "required"})
		return location{}, false
	}
	s.mu.Lock()
	env := s.environmentNamed(slug)
	s.mu.Unlock()
	if env == nil {
		writeError(w, http.StatusNotFound, "resource_missing", "invalid_request_error",
			"The resource you requested does not exist: environment "+strconv.Quote(slug)+".", nil)
		return location{}, false
	}
	loc := location{env: env}
	if withBranch {
		loc.branch = query.Get("branch")
	}
	if loc.branch != "" && slug != DevelopmentEnvironment {
		writeInvalidParam(w, fieldError{Field: "branch", Message: "can only be used when environment is \"development\"", Type: "invalid"})
		return location{}, false
	}
	return loc, true
}

// environmentNamed finds the environment by its mAPI slug (nil when none has it).
func (s *Server) environmentNamed(slug string) *environment {
	for _, env := range s.envs {
		if env.slug == slug {
			return env
		}
	}
	return nil
}

// boolParams reads the named boolean query parameters (absent is false); a value that is not a boolean
// is answered with Knock's 422.
func boolParams(w http.ResponseWriter, query url.Values, names ...string) (map[string]bool, bool) {
	out := make(map[string]bool, len(names))
	for _, name := range names {
		raw := query.Get(name)
		if raw == "" {
			continue
		}
		v, err := strconv.ParseBool(raw)
		if err != nil {
			writeInvalidParam(w, fieldError{Field: name, Message: "is not a boolean", Type: "boolean"})
			return nil, false
		}
		out[name] = v
	}
	return out, true
}

func (s *Server) handleAudienceGet(w http.ResponseWriter, query url.Values, loc location, audienceKey string) {
	flags, ok := boolParams(w, query, "hide_uncommitted_changes")
	if !ok {
		return
	}
	s.mu.Lock()
	var out *audienceJSON
	if c := loc.env.lookup(loc.branch, audienceKey); c != nil {
		if v := c.visible(flags["hide_uncommitted_changes"]); v != nil {
			described := describeAudience(loc.env, audienceKey, c, v)
			out = &described
		}
	}
	s.mu.Unlock()
	if out == nil {
		writeAudienceMissing(w, audienceKey)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleAudienceList pages through the audiences in key order: a cursor is the key of the entry it
// follows (after) or precedes (before). Knock's order is unconfirmed.
func (s *Server) handleAudienceList(w http.ResponseWriter, query url.Values, loc location) {
	flags, ok := boolParams(w, query, "hide_uncommitted_changes")
	if !ok {
		return
	}
	limit := MaxAudienceLimit
	if raw := query.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > MaxAudienceLimit {
			writeInvalidParam(w, fieldError{Field: "limit", Message: "must be between 1 and " + strconv.Itoa(MaxAudienceLimit), Type: "number"})
			return
		}
		limit = n
	}
	var cursors [2]string // after, before
	for i, name := range []string{"after", "before"} {
		raw := query.Get(name)
		if raw == "" {
			continue
		}
		key, ok := decodeNamedCursor("key", raw)
		if !ok {
			writeInvalidParam(w, fieldError{Field: name, Message: "is not a valid cursor", Type: "cursor"})
			return
		}
		cursors[i] = key
	}
	if cursors[0] != "" && cursors[1] != "" {
		writeInvalidParam(w, fieldError{Field: "before", Message: "cannot be used with after", Type: "invalid"})
		return
	}

	s.mu.Lock()
	var visible []string
	for _, key := range loc.env.keys(loc.branch) {
		if loc.env.lookup(loc.branch, key).visible(flags["hide_uncommitted_changes"]) != nil {
			visible = append(visible, key)
		}
	}
	// from and to delimit the page in visible.
	from, to := 0, min(limit, len(visible))
	switch {
	case cursors[0] != "":
		from, _ = slices.BinarySearch(visible, cursors[0])
		if from < len(visible) && visible[from] == cursors[0] {
			from++
		}
		to = min(from+limit, len(visible))
	case cursors[1] != "":
		to, _ = slices.BinarySearch(visible, cursors[1])
		from = max(to-limit, 0)
	}
	entries := make([]audienceJSON, 0, to-from)
	for _, key := range visible[from:to] {
		c := loc.env.lookup(loc.branch, key)
		entries = append(entries, describeAudience(loc.env, key, c, c.visible(flags["hide_uncommitted_changes"])))
	}
	s.mu.Unlock()

	info := mapiPageInfoJSON{PageSize: limit}
	if to < len(visible) && to > from {
		after := encodeNamedCursor("key", visible[to-1])
		info.After = &after
	}
	if from > 0 && to > from {
		before := encodeNamedCursor("key", visible[from])
		info.Before = &before
	}
	writeJSON(w, http.StatusOK, struct {
		Entries  []audienceJSON   `json:"entries"`
		PageInfo mapiPageInfoJSON `json:"page_info"`
	}{entries, info})
}

// handleAudienceWrite answers upsert and validate: the same checks, and validate saves nothing.
func (s *Server) handleAudienceWrite(w http.ResponseWriter, r *http.Request, query url.Values, loc location, endpoint Endpoint, audienceKey string) {
	flags, ok := boolParams(w, query, "force", "commit", "allow_empty")
	if !ok {
		return
	}
	// Knock refuses changes outside development unless force=true; its exact answer is unconfirmed
	// (knock-api.md). The local API assumes a 422 naming the environment parameter. Validate applies
	// the same rule, as it makes the same checks as upsert.
	if loc.env.slug != DevelopmentEnvironment && !flags["force"] {
		writeError(w, http.StatusUnprocessableEntity, "invalid_params", "invalid_request_error",
			"Audiences can only be changed in the development environment; pass force=true to change them in "+strconv.Quote(loc.env.slug)+".",
			[]fieldError{{Field: "environment", Message: "must be \"development\" unless force is true", Type: "development_only"}})
		return
	}
	var body audienceRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_json", "invalid_request_error", "The request body is not valid JSON: "+err.Error(), nil)
		return
	}
	def, errs := body.definition()
	if len(errs) > 0 {
		writeInvalidParams(w, errs)
		return
	}

	s.mu.Lock()
	if errs := loc.env.checkAgainstStore(loc.branch, audienceKey, def); len(errs) > 0 {
		s.mu.Unlock()
		writeInvalidParams(w, errs)
		return
	}
	now := s.now()
	var out audienceJSON
	if endpoint == EndpointAudienceValidate {
		c := loc.env.lookup(loc.branch, audienceKey)
		if c == nil {
			c = &content{createdAt: now}
		} else {
			c = c.clone()
		}
		c.change(def, now)
		out = describeAudience(loc.env, audienceKey, c, c.current())
	} else {
		c := loc.env.upsertContent(loc.branch, audienceKey, def, flags["commit"], flags["allow_empty"], query.Get("commit_message"), now)
		out = describeAudience(loc.env, audienceKey, c, c.current())
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Audience audienceJSON `json:"audience"`
	}{out})
}

// handleAudienceArchive archives the audience in every environment, as Knock does, given that it
// exists in the one named.
func (s *Server) handleAudienceArchive(w http.ResponseWriter, loc location, audienceKey string) {
	s.mu.Lock()
	if loc.env.audience(audienceKey) == nil {
		s.mu.Unlock()
		writeAudienceMissing(w, audienceKey)
		return
	}
	for _, env := range s.envs {
		env.archive(audienceKey)
	}
	s.archived[audienceKey] = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"result": "success"})
}

// describeAudience is the mAPI's Audience for one version of the content.
func describeAudience(env *environment, key string, c *content, v *version) audienceJSON {
	out := audienceJSON{
		Key:         key,
		Type:        v.def.Type,
		Name:        v.def.Name,
		Description: optional(v.def.Description),
		Environment: env.slug,
		SHA:         v.def.SHA,
		CreatedAt:   c.createdAt.Format(time.RFC3339Nano),
		UpdatedAt:   v.updatedAt.Format(time.RFC3339Nano),
	}
	if v.def.Type == AudienceDynamic {
		segments := make([]segmentJSON, len(v.def.Segments))
		for i, seg := range v.def.Segments {
			segments[i].Conditions = make([]conditionJSON, len(seg.Conditions))
			for j, c := range seg.Conditions {
				segments[i].Conditions[j] = conditionJSON(c)
			}
		}
		out.Segments = &segments
	}
	return out
}
