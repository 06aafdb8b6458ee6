package knockhttp

import "crypto/sha256"

// Cursors remembers the cursors a listing followed, so that a cursor that comes back stops the listing
// instead of looping until the deadline. Hashes, not the cursors: a listing of 100,000 pages keeps 3 MB
// whatever its cursors' size. The zero value is ready to use.
type Cursors struct {
	seen map[[sha256.Size]byte]bool
}

// Repeated records cursor and reports whether it was recorded before.
func (c *Cursors) Repeated(cursor string) bool {
	if c.seen == nil {
		c.seen = map[[sha256.Size]byte]bool{}
	}
	hash := sha256.Sum256([]byte(cursor))
	if c.seen[hash] {
		return true
	}
	c.seen[hash] = true
	return false
}
