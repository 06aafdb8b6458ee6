package audiencemembers_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestAccAudienceMembersResource_invalidIDs(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	long := strings.Repeat("x", 300)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", `{ " u1" = null, "ok" = "acme " }`, ""),
				ExpectError: acctest.ErrorText("Invalid Member User ID", `members has the key " u1", which has whitespace at the start or end`, "trimspace"),
			},
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", `{ "ok" = "acme " }`, ""),
				ExpectError: acctest.ErrorText("Invalid Member Tenant", `members["ok"] is "acme ", which has whitespace at the start or end`),
			},
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", `{ "`+long+`" = null }`, ""),
				ExpectError: acctest.ErrorText("Invalid Member User ID", "is 300 characters long, more than 256"),
			},
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", `{ "u1" = null }`, `tenant = "acme\n"`),
				ExpectError: acctest.ErrorText("Invalid Tenant", `tenant is "acme\n", which has whitespace at the start or end`),
			},
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", " aud", `{ "u1" = null }`, ""),
				ExpectError: acctest.ErrorText("Invalid Audience Key", `audience_key is " aud", which has whitespace`),
			},
			{
				Config: acctest.ProviderConfig(srv) + `
resource "knock_audience_member" "one" {
  audience_key = "aud"
  user_id      = "u1\t"
}
`,
				ExpectError: acctest.ErrorText("Invalid Knock ID", `user_id is "u1\t", which has whitespace at the start or end`),
			},
		},
	})
}

// TestAccAudienceMembersResource_liveIDNotInNormalFormC: Knock holds "jose" + a combining accent; the
// configuration's "josé" (Terraform normalises it) looks the same. Before, the plan said +1 / -0 and the
// apply removed one user and added another; now the plan stops and names the membership.
func TestAccAudienceMembersResource_liveIDNotInNormalFormC(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("aud", acctest.Member("jose\u0301", ""))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", `{ "jos\u00e9" = null }`, ""),
				ExpectError: acctest.ErrorText("Audience Holds IDs Terraform Cannot Name", `not in Unicode normal form C`, `"jose\u0301"`),
			},
			{
				PreConfig: func() {
					if err := acctest.CheckLive(srv, "aud", []localknock.Membership{acctest.Member("jose\u0301", "")}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      acctest.ProviderConfig(srv) + "import {\n  to = knock_audience_members.test\n  id = \"aud\"\n}\n" + acctest.MembersResource("test", "aud", `{ "jos\u00e9" = null }`, ""),
				ExpectError: acctest.ErrorText("Audience Holds IDs Terraform Cannot Name"),
			},
		},
	})
}

// TestAccAudienceMembersResource_importIDEscaping: keys and tenants with "/", "%" and spaces round-trip
// through the id and import, by the escaping rule knock_audience_member uses; an unknown audience on
// import says so.
func TestAccAudienceMembersResource_importIDEscaping(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("team/7 %")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: acctest.ProviderConfig(srv) + acctest.MembersResource("test", "team/7 %", `{ "u1" = null }`, `tenant = "a/b"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(acctest.MembersAddr, tfjsonpath.New("id"), knownvalue.StringExact("team%2F7%20%25/a%2Fb")),
					acctest.ExpectLive(srv, "team/7 %", acctest.Member("u1", "a/b")),
				},
			},
			{
				ResourceName:            acctest.MembersAddr,
				ImportState:             true,
				ImportStateId:           "team%2F7%20%25/a%2Fb",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				ResourceName:  acctest.MembersAddr,
				ImportState:   true,
				ImportStateId: "team/7/a",
				ExpectError:   acctest.ErrorText("Invalid Import ID", `"team/7/a" has 3 parts`, "%2F"),
			},
			{
				Config:      acctest.ProviderConfig(srv) + "import {\n  to = knock_audience_members.other\n  id = \"nope\"\n}\n" + acctest.MembersResource("other", "nope", `{ "u1" = null }`, ""),
				ExpectError: acctest.ErrorText("Cannot Import: Audience Not Found", `"nope"`, "create_audience = true"),
			},
		},
	})
}
