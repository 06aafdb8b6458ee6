package knockdiag

import (
	"fmt"
	"net/url"
	"strings"
)

// JoinImportID is the import id of both resources: the parts, each escaped like a URL path segment (a
// "/" inside a part is written %2F, a "%" %25), joined with "/". Callers leave out a trailing tenant
// that is not set.
func JoinImportID(parts ...string) string {
	escaped := make([]string, len(parts))
	for i, part := range parts {
		escaped[i] = url.PathEscape(part)
	}
	return strings.Join(escaped, "/")
}

// SplitImportID reverses JoinImportID for an id of least to most parts, none empty; its errors complete
// the sentence "The import id ...".
func SplitImportID(id string, least, most int) ([]string, error) {
	parts := strings.Split(id, "/")
	if len(parts) < least || len(parts) > most {
		return nil, fmt.Errorf("has %s separated by \"/\"; a \"/\" inside a key, user id or tenant is written %%2F", Plural(len(parts), "part"))
	}
	for i, part := range parts {
		unescaped, err := url.PathUnescape(part)
		if err != nil {
			return nil, fmt.Errorf("has part %q, which is not a valid escape (write %% as %%25)", part)
		}
		if unescaped == "" {
			return nil, fmt.Errorf("has an empty part %d", i+1)
		}
		parts[i] = unescaped
	}
	return parts, nil
}
