package audiencemembers

import (
	"slices"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
)

// A state from members_file stands for what the latest apply left, with what a refresh found changed
// since: restoreMembers gives the plan the memberships a members map would hold.
func TestRestoreMembers_appliesDrift(t *testing.T) {
	applied := []changeset.Membership{{UserID: "a"}, {UserID: "b", Tenant: "acme"}, {UserID: "c"}}
	var state object
	state.set(attrMembersFile, stringValue("segment.csv"))
	state.Members = membersOfList(applied)
	private := membersPrivate{}.withMembersOf(state)
	if private.Members == nil {
		t.Fatal("withMembersOf kept no members for a state from members_file")
	}
	private.Drift = &memberDrift{Appeared: pairs{{"aa", ""}}, Disappeared: pairs{{"b", "acme"}}}

	var prior object
	prior.set(attrMembersFile, stringValue("segment.csv"))
	if err := parseMembersPrivate(private.encode()).restoreMembers(&prior); err != nil {
		t.Fatal(err)
	}
	got, err := prior.Members.list()
	want := []changeset.Membership{{UserID: "a"}, {UserID: "aa"}, {UserID: "c"}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("restored %v (%v), want %v", got, err, want)
	}

	var fromMap object
	fromMap.Members = membersOfList(applied)
	if membersPrivate := (membersPrivate{Members: []byte("x")}).withMembersOf(fromMap); membersPrivate.Members != nil {
		t.Error("a state from a members map keeps its members in private state too")
	}
	if err := (membersPrivate{}).restoreMembers(&prior); err == nil {
		t.Error("a state from members_file without its private members restored nothing and said nothing")
	}
}
