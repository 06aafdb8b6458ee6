package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestAccAudienceMembersResource_invalidIDs(t *testing.T) {
	srv := newLocalAPI(t)
	srv.CreateAudience("aud")
	long := strings.Repeat("x", 300)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerConfig(srv) + membersResource("test", "aud", `{ " u1" = null, "ok" = "acme " }`, ""),
				ExpectError: errorText("Invalid Member User ID", `members has the key " u1", which has whitespace at the start or end`, "trimspace"),
			},
			{
				Config:      providerConfig(srv) + membersResource("test", "aud", `{ "ok" = "acme " }`, ""),
				ExpectError: errorText("Invalid Member Tenant", `members["ok"] is "acme ", which has whitespace at the start or end`),
			},
			{
				Config:      providerConfig(srv) + membersResource("test", "aud", `{ "`+long+`" = null }`, ""),
				ExpectError: errorText("Invalid Member User ID", "is 300 characters long, more than 256"),
			},
			{
				Config:      providerConfig(srv) + membersResource("test", "aud", `{ "u1" = null }`, `tenant = "acme\n"`),
				ExpectError: errorText("Invalid Tenant", `tenant is "acme\n", which has whitespace at the start or end`),
			},
			{
				Config:      providerConfig(srv) + membersResource("test", " aud", `{ "u1" = null }`, ""),
				ExpectError: errorText("Invalid Audience Key", `audience_key is " aud", which has whitespace`),
			},
			{
				Config: providerConfig(srv) + `
resource "knock_audience_member" "one" {
  audience_key = "aud"
  user_id      = "u1\t"
}
`,
				ExpectError: errorText("Invalid Knock ID", `user_id is "u1\t", which has whitespace at the start or end`),
			},
		},
	})
}

// TestAccAudienceMembersResource_liveIDNotInNormalFormC: Knock holds "jose" + a combining accent; the
// configuration's "josé" (Terraform normalises it) looks the same. Before, the plan said +1 / -0 and the
// apply removed one user and added another; now the plan stops and names the membership.
func TestAccAudienceMembersResource_liveIDNotInNormalFormC(t *testing.T) {
	srv := newLocalAPI(t)
	srv.AddMemberships("aud", member("jose\u0301", ""))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerConfig(srv) + membersResource("test", "aud", `{ "jos\u00e9" = null }`, ""),
				ExpectError: errorText("Audience Holds IDs Terraform Cannot Name", `not in Unicode normal form C`, `"jose\u0301"`),
			},
			{
				PreConfig: func() {
					if err := checkLive(srv, "aud", []localknock.Membership{member("jose\u0301", "")}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      providerConfig(srv) + "import {\n  to = knock_audience_members.test\n  id = \"aud\"\n}\n" + membersResource("test", "aud", `{ "jos\u00e9" = null }`, ""),
				ExpectError: errorText("Audience Holds IDs Terraform Cannot Name"),
			},
		},
	})
}

// TestAccAudienceMembersResource_importIDEscaping: keys and tenants with "/", "%" and spaces round-trip
// through the id and import, by the escaping rule knock_audience_member uses; an unknown audience on
// import says so.
func TestAccAudienceMembersResource_importIDEscaping(t *testing.T) {
	srv := newLocalAPI(t)
	srv.CreateAudience("team/7 %")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerConfig(srv) + membersResource("test", "team/7 %", `{ "u1" = null }`, `tenant = "a/b"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(membersAddr, tfjsonpath.New("id"), knownvalue.StringExact("team%2F7%20%25/a%2Fb")),
					expectLive(srv, "team/7 %", member("u1", "a/b")),
				},
			},
			{
				ResourceName:            membersAddr,
				ImportState:             true,
				ImportStateId:           "team%2F7%20%25/a%2Fb",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				ResourceName:  membersAddr,
				ImportState:   true,
				ImportStateId: "team/7/a",
				ExpectError:   errorText("Invalid Import ID", `"team/7/a" has 3 parts`, "%2F"),
			},
			{
				Config:      providerConfig(srv) + "import {\n  to = knock_audience_members.other\n  id = \"nope\"\n}\n" + membersResource("other", "nope", `{ "u1" = null }`, ""),
				ExpectError: errorText("Cannot Import: Audience Not Found", `"nope"`, "create_audience = true"),
			},
		},
	})
}
