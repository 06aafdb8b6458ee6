package localknock

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const audiencesPath = "/v1/audiences"

// ServeHTTP answers Knock's three audience-membership calls and the mAPI's five audience calls.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requestNo++
	requestID := fmt.Sprintf("req_local_%08d", s.requestNo)
	s.mu.Unlock()
	w.Header().Set("X-Request-Id", requestID)

	endpoint, audienceKey, status := route(r)
	switch status {
	case http.StatusNotFound:
		writeError(w, http.StatusNotFound, "route_not_found", "invalid_request_error", "No route matches "+r.Method+" "+r.URL.Path, nil)
		return
	case http.StatusMethodNotAllowed:
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "invalid_request_error", r.Method+" is not allowed here", nil)
		return
	}

	s.mu.Lock()
	s.requests[endpoint]++
	fault, faulted := s.takeFaultLocked(endpoint)
	s.mu.Unlock()
	if faulted && fault.apply(w) {
		return
	}
	if faulted && fault.TruncateBody {
		truncating := &truncatingWriter{ResponseWriter: w}
		defer truncating.finish()
		w = truncating
	}
	if endpoint.management() {
		s.serveManagement(w, r, endpoint, audienceKey)
		return
	}

	env, status, msg := s.authenticate(r)
	if env == nil {
		writeError(w, status, "unauthorized", "authentication_error", msg, nil)
		return
	}
	if s.rateLimited(w, env, endpoint) {
		return
	}
	switch endpoint {
	case EndpointAdd, EndpointRemove:
		s.handleWrite(w, r, env, endpoint, audienceKey)
	case EndpointList:
		s.handleList(w, r, env, audienceKey)
	}
}

// routes maps what follows /v1/audiences/{key} and the method to the endpoint.
var routes = map[string]map[string]Endpoint{
	"":         {http.MethodGet: EndpointAudienceGet, http.MethodPut: EndpointAudienceUpsert, http.MethodDelete: EndpointAudienceArchive},
	"validate": {http.MethodPut: EndpointAudienceValidate},
	"members":  {http.MethodPost: EndpointAdd, http.MethodDelete: EndpointRemove, http.MethodGet: EndpointList},
}

// route finds the endpoint and the audience key (one escaped path segment) of a request, or answers
// 404 or 405: /v1/audiences/{key}/members is the Knock API, the other /v1/audiences paths the mAPI.
func route(r *http.Request) (Endpoint, string, int) {
	raw := r.URL.EscapedPath()
	if raw == audiencesPath {
		if r.Method != http.MethodGet {
			return "", "", http.StatusMethodNotAllowed
		}
		return EndpointAudienceList, "", 0
	}
	rest, ok := strings.CutPrefix(raw, audiencesPath+"/")
	if !ok {
		return "", "", http.StatusNotFound
	}
	escapedKey, suffix, _ := strings.Cut(rest, "/")
	key, err := url.PathUnescape(escapedKey)
	if escapedKey == "" || err != nil {
		return "", "", http.StatusNotFound
	}
	methods := routes[suffix]
	if methods == nil {
		return "", "", http.StatusNotFound
	}
	endpoint, ok := methods[r.Method]
	if !ok {
		return "", "", http.StatusMethodNotAllowed
	}
	return endpoint, key, 0
}

// rateLimited applies the endpoint's rate limit in the environment and answers Knock's 429 beyond it.
func (s *Server) rateLimited(w http.ResponseWriter, env *environment, endpoint Endpoint) bool {
	s.mu.Lock()
	limit := s.rateLimits[endpoint]
	allowed, retryAfter := env.allowRequest(endpoint, limit, s.now())
	s.mu.Unlock()
	if allowed {
		return false
	}
	// Knock does not document Retry-After on its 429s; the local API sends the exact wait, which
	// clients honour when present.
	w.Header().Set("Retry-After-Ms", strconv.FormatInt(max(retryAfter.Milliseconds(), 1), 10))
	writeError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "api_error",
		fmt.Sprintf("Rate limit exceeded: at most %d %s requests per second.", limit, endpoint), nil)
	return true
}

// Knock's answers to a request without a bearer token and with one it does not know.
const (
	tokenMissing = "Access token not set."
	tokenInvalid = "The access token provided is invalid."
)

// bearerToken reads the Authorization header's bearer token ("" when there is none).
func bearerToken(r *http.Request) string {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return token
}

// authenticate finds the environment of the request's secret key.
func (s *Server) authenticate(r *http.Request) (*environment, int, string) {
	token := bearerToken(r)
	if token == "" {
		return nil, http.StatusUnauthorized, tokenMissing
	}
	s.mu.Lock()
	env := s.envs[token]
	s.mu.Unlock()
	if env == nil {
		return nil, http.StatusUnauthorized, tokenInvalid
	}
	return env, 0, ""
}

type memberRequest struct {
	Members *[]struct {
		User   map[string]any `json:"user"`
		Tenant *string        `json:"tenant"`
	} `json:"members"`
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Type    string `json:"type"`
}

func (s *Server) handleWrite(w http.ResponseWriter, r *http.Request, env *environment, endpoint Endpoint, audienceKey string) {
	var body memberRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_json", "invalid_request_error", "The request body is not valid JSON: "+err.Error(), nil)
		return
	}
	if body.Members == nil {
		writeInvalidParam(w, fieldError{Field: "members", Message: "is required", Type: "required"})
		return
	}
	members := *body.Members
	if len(members) > MaxMembersPerRequest {
		writeInvalidParam(w, fieldError{Field: "members", Message: fmt.Sprintf("should have at most %d item(s)", MaxMembersPerRequest), Type: "length"})
		return
	}
	parsed := make([]Membership, len(members))
	identified := 0
	for i, m := range members {
		id, _ := m.User["id"].(string)
		if id == "" {
			writeInvalidParam(w, fieldError{Field: fmt.Sprintf("members[%d].user.id", i), Message: "can't be blank", Type: "required"})
			return
		}
		if m.Tenant != nil && *m.Tenant == "" {
			writeInvalidParam(w, fieldError{Field: fmt.Sprintf("members[%d].tenant", i), Message: "can't be blank", Type: "required"})
			return
		}
		if len(m.User) > 1 {
			identified++
		}
		parsed[i] = Membership{UserID: id}
		if m.Tenant != nil {
			parsed[i].Tenant = *m.Tenant
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.inlineIdentifies += identified
	now := s.now()
	aud := env.audience(audienceKey)
	if aud == nil && endpoint == EndpointAdd && r.URL.Query().Get("create_audience") == "true" {
		aud = env.ensureStaticAudience(audienceKey, now)
	}
	if aud == nil {
		writeAudienceMissing(w, audienceKey)
		return
	}
	if aud.dynamic() {
		// Knock's answer to a write on a dynamic audience is unconfirmed (knock-api.md); the local API
		// assumes a 422 with Knock's error body, as for other requests Knock cannot act on.
		writeError(w, http.StatusUnprocessableEntity, "invalid_params", "invalid_request_error",
			"Audience "+strconv.Quote(audienceKey)+" is dynamic: its members come from its segments and cannot be added or removed.", nil)
		return
	}
	for _, m := range parsed {
		if endpoint == EndpointAdd {
			env.ensureUser(m.UserID, now)
			aud.add(m, now)
		} else {
			aud.remove(m)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

type userJSON struct {
	Typename    string  `json:"__typename"`
	ID          string  `json:"id"`
	Name        *string `json:"name"`
	Email       *string `json:"email"`
	PhoneNumber *string `json:"phone_number"`
	Avatar      *string `json:"avatar"`
	Timezone    *string `json:"timezone"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

type memberJSON struct {
	Typename string  `json:"__typename"`
	AddedAt  string  `json:"added_at"`
	UserID   string  `json:"user_id"`
	Tenant   *string `json:"tenant"`
	User     any     `json:"user"` // userJSON, or userWithPropertiesJSON for a user with custom properties
}

type pageInfoJSON struct {
	Typename string  `json:"__typename"`
	After    *string `json:"after"`
	Before   *string `json:"before"`
	PageSize int     `json:"page_size"`
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request, env *environment, audienceKey string) {
	query := r.URL.Query()
	pageSize := MaxPageSize
	if raw := query.Get("page_size"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > MaxPageSize {
			writeInvalidParam(w, fieldError{Field: "page_size", Message: fmt.Sprintf("must be between 1 and %d", MaxPageSize), Type: "number"})
			return
		}
		pageSize = n
	}
	if query.Get("before") != "" {
		writeError(w, http.StatusUnprocessableEntity, "invalid_params", "invalid_request_error", "The local Knock API pages forward only: use after.", nil)
		return
	}

	s.mu.Lock()
	aud := env.audience(audienceKey)
	if aud == nil {
		s.mu.Unlock()
		writeAudienceMissing(w, audienceKey)
		return
	}
	var (
		out  []memberJSON
		next string
		ok   bool
	)
	if aud.dynamic() {
		out, next, ok = env.dynamicPage(audienceKey, aud, query.Get("after"), pageSize)
	} else {
		out, next, ok = env.staticPage(aud, query.Get("after"), pageSize)
	}
	s.mu.Unlock()
	if !ok {
		writeInvalidParam(w, fieldError{Field: "after", Message: "is not a valid cursor", Type: "cursor"})
		return
	}

	info := pageInfoJSON{Typename: "PageInfo", PageSize: pageSize}
	if next != "" {
		info.After = &next
	}
	writeJSON(w, http.StatusOK, struct {
		Entries  []memberJSON `json:"entries"`
		PageInfo pageInfoJSON `json:"page_info"`
	}{out, info})
}

// staticPage lists a static audience's memberships in the order they were added.
func (env *environment) staticPage(aud *audience, cursor string, pageSize int) ([]memberJSON, string, bool) {
	var afterSeq uint64
	if cursor != "" {
		seq, ok := decodeCursor(cursor)
		if !ok {
			return nil, "", false
		}
		afterSeq = seq
	}
	entries, next := aud.page(afterSeq, pageSize)
	out := make([]memberJSON, len(entries))
	for i, e := range entries {
		out[i] = memberJSON{
			Typename: "AudienceMember",
			AddedAt:  e.addedAt.Format(time.RFC3339Nano),
			UserID:   e.membership.UserID,
			User:     userToJSON(env.users[e.membership.UserID]),
		}
		if e.membership.Tenant != "" {
			tenant := e.membership.Tenant
			out[i].Tenant = &tenant
		}
	}
	return out, next, true
}

// dynamicPage lists the users matching a dynamic audience's segments, in user id order (a cursor is the
// last id served), without tenant. Knock's added_at for them is unconfirmed; the local API gives the
// later of the user's and the definition's last change, the earliest time the user can have joined.
func (env *environment) dynamicPage(key string, aud *audience, cursor string, pageSize int) ([]memberJSON, string, bool) {
	var afterID string
	if cursor != "" {
		id, ok := decodeNamedCursor("uid", cursor)
		if !ok {
			return nil, "", false
		}
		afterID = id
	}
	ids := slices.Sorted(maps.Keys(newEvaluator(env).memberIDs(key)))
	from, _ := slices.BinarySearch(ids, afterID)
	if from < len(ids) && ids[from] == afterID {
		from++
	}
	to := min(from+pageSize, len(ids))
	defined := aud.content.current().updatedAt
	out := make([]memberJSON, 0, to-from)
	for _, id := range ids[from:to] {
		u := env.users[id]
		addedAt := u.UpdatedAt
		if defined.After(addedAt) {
			addedAt = defined
		}
		out = append(out, memberJSON{Typename: "AudienceMember", AddedAt: addedAt.Format(time.RFC3339Nano), UserID: id, User: userToJSON(u)})
	}
	var next string
	if to < len(ids) {
		next = encodeNamedCursor("uid", ids[to-1])
	}
	return out, next, true
}

// standardUserFields are the names userJSON gives.
var standardUserFields = map[string]bool{
	"__typename": true, "id": true, "name": true, "email": true, "phone_number": true, "avatar": true,
	"timezone": true, "created_at": true, "updated_at": true,
}

// userWithPropertiesJSON is a user with custom properties, which Knock lists beside the standard ones.
type userWithPropertiesJSON struct {
	userJSON
	properties map[string]any
}

// MarshalJSON appends the custom properties to the standard ones; a custom property named like a
// standard one is left out, as the standard one is what Knock keeps under that name.
func (u userWithPropertiesJSON) MarshalJSON() ([]byte, error) {
	standard, err := json.Marshal(u.userJSON)
	if err != nil {
		return nil, err
	}
	custom := make(map[string]any, len(u.properties))
	for name, value := range u.properties {
		if !standardUserFields[name] {
			custom[name] = value
		}
	}
	if len(custom) == 0 {
		return standard, nil
	}
	extra, err := json.Marshal(custom)
	if err != nil {
		return nil, err
	}
	return append(append(standard[:len(standard)-1], ','), extra[1:]...), nil
}

// userToJSON describes a member's user, which every add creates first.
func userToJSON(u *User) any {
	if len(u.Properties) > 0 {
		return userWithPropertiesJSON{userJSON: standardUserJSON(u), properties: u.Properties}
	}
	return standardUserJSON(u)
}

func standardUserJSON(u *User) userJSON {
	return userJSON{
		Typename:    "User",
		ID:          u.ID,
		Name:        optional(u.Name),
		Email:       optional(u.Email),
		PhoneNumber: optional(u.PhoneNumber),
		Avatar:      optional(u.Avatar),
		Timezone:    optional(u.Timezone),
		CreatedAt:   u.CreatedAt.Format(time.RFC3339Nano),
		UpdatedAt:   u.UpdatedAt.Format(time.RFC3339Nano),
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with Knock's error body.
func writeError(w http.ResponseWriter, status int, code, typ, message string, errs []fieldError) {
	writeJSON(w, status, struct {
		Code    string       `json:"code"`
		Message string       `json:"message"`
		Status  int          `json:"status"`
		Type    string       `json:"type"`
		Errors  []fieldError `json:"errors,omitempty"`
	}{code, message, status, typ, errs})
}

// writeInvalidParam answers Knock's 422 for one invalid parameter.
func writeInvalidParam(w http.ResponseWriter, field fieldError) {
	writeInvalidParams(w, []fieldError{field})
}

// writeInvalidParams answers Knock's 422 with each invalid parameter.
func writeInvalidParams(w http.ResponseWriter, fields []fieldError) {
	writeError(w, http.StatusUnprocessableEntity, "invalid_params", "invalid_request_error", "One or more parameters are invalid.", fields)
}

// writeAudienceMissing answers Knock's 404 for an audience that does not exist.
func writeAudienceMissing(w http.ResponseWriter, audienceKey string) {
	writeError(w, http.StatusNotFound, "resource_missing", "invalid_request_error", "The resource you requested does not exist: audience "+strconv.Quote(audienceKey)+".", nil)
}
