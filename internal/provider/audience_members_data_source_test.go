package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

const dataAddr = "data.knock_audience_members.test"

func dataSourceConfig(srv *localknock.Server, attributes string) string {
	return providerConfig(srv) + fmt.Sprintf(`
data "knock_audience_members" "test" {
%s
}
`, attributes)
}

func TestAccAudienceMembersDataSource_basic(t *testing.T) {
	srv := newLocalAPI(t)
	srv.AddMemberships("readers", member("u2", "acme"), member("u1", ""), member("u2", "globex"))
	srv.SetUser(localknock.User{ID: "u1", Name: "Ada Lovelace", Email: "ada@example.com", Timezone: "Europe/London"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: dataSourceConfig(srv, `audience_key = "readers"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("user_ids"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("u1"), knownvalue.StringExact("u2"),
					})),
					statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("members").AtSliceIndex(0), knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"user_id":      knownvalue.StringExact("u1"),
						"tenant":       knownvalue.Null(),
						"name":         knownvalue.StringExact("Ada Lovelace"),
						"email":        knownvalue.StringExact("ada@example.com"),
						"timezone":     knownvalue.StringExact("Europe/London"),
						"phone_number": knownvalue.Null(),
						"added_at":     knownvalue.StringRegexp(regexpRFC3339),
						"created_at":   knownvalue.StringRegexp(regexpRFC3339),
					})),
					statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("members").AtSliceIndex(2).AtMapKey("tenant"), knownvalue.StringExact("globex")),
				},
			},
			{
				Config: dataSourceConfig(srv, "audience_key = \"readers\"\ntenant = \"acme\""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("members"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("user_ids"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("u2")})),
				},
			},
		},
	})
}

func TestAccAudienceMembersDataSource_manyPages(t *testing.T) {
	srv := newLocalAPI(t)
	for i := range 120 {
		srv.AddMemberships("many", member(fmt.Sprintf("user-%03d", i), ""))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: srv.ResetRequests,
			Config:    dataSourceConfig(srv, `audience_key = "many"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(120)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("user_ids").AtSliceIndex(119), knownvalue.StringExact("user-119")),
				// Read once during plan: 3 pages of at most 50.
				expectRequests(srv, 0, 0, 3),
			},
		}},
	})
}

func TestAccAudienceMembersDataSource_unknownAudience(t *testing.T) {
	srv := newLocalAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      dataSourceConfig(srv, `audience_key = "missing"`),
			ExpectError: errorText("Unable to Read Audience Members", "HTTP 404", `The audience "missing" does not exist`),
		}},
	})
}
