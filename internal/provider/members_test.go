package provider

import (
	"maps"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

func TestMembersFromLive(t *testing.T) {
	m := func(user, tenant string) knock.Membership { return knock.Membership{UserID: user, Tenant: tenant} }
	live := []knock.Membership{m("a", "x"), m("a", ""), m("b", "z"), m("b", "y"), m("c", "q"), m("d", "k")}
	got := membersFromLive(live, map[string]string{"b": "z", "c": "other"})
	want := map[string]string{"a": "", "b": "z", "c": "q", "d": "k"}
	if !maps.Equal(got, want) {
		t.Errorf("membersFromLive = %v, want %v", got, want)
	}
}

func TestHeldAfterWrites(t *testing.T) {
	m := func(user string) knock.Membership { return knock.Membership{UserID: user} }
	held := heldAfterWrites([]knock.Membership{m("a"), m("b")}, []knock.Membership{m("c")}, []knock.Membership{m("a")})
	got := map[knock.Membership]bool{}
	for _, h := range held {
		got[h] = true
	}
	if len(held) != 2 || !got[m("b")] || !got[m("c")] {
		t.Errorf("held = %v, want b and c", held)
	}
}
