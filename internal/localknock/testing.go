package localknock

import "testing"

// StartForTest starts a local Knock API of the test's own on a free loopback port, with one environment
// per key, and closes it when the test ends.
func StartForTest(t testing.TB, apiKeys ...string) *Server {
	t.Helper()
	srv := New(apiKeys...)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}
