package audience_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
)

// TestAccAudienceResource_invalidConfig: what the configuration alone shows wrong fails before any request.
func TestAccAudienceResource_invalidConfig(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	cases := []struct {
		body string
		want []string
	}{
		{`key = "a"` + "\n" + `type = "dynamic"` + "\n" + `name = "A"`,
			[]string{"Missing Audience Segments", `type is "dynamic" and segments is not set`}},
		{`key = "a"` + "\n" + `type = "static"` + "\n" + `name = "A"` + premiumSegments,
			[]string{"Unexpected Audience Segments", `type is "static" and segments is set`}},
		{`key = "a"` + "\n" + `type = "dynamic"` + "\n" + `name = "A"` + "\n" +
			`segments = [{ conditions = [{ property = "recipient.plan", operator = "equals", argument = "x" }] }]`,
			[]string{"Invalid Audience Condition Operator", `segments[0].conditions[0].operator is "equals"`, "equal_to, not_equal_to"}},
		{`key = "a"` + "\n" + `type = "dynamic"` + "\n" + `name = "A"` + "\n" +
			`segments = [{ conditions = [{ property = "recipient.plan", operator = "equal_to" }] }]`,
			[]string{"Missing Audience Condition Argument", `operator "equal_to", which compares the property with an argument`}},
		{`key = "a"` + "\n" + `type = "dynamic"` + "\n" + `name = "A"` + "\n" +
			`segments = [{ conditions = [{ property = "recipient.vip", operator = "exists", argument = "yes" }] }]`,
			[]string{"Unexpected Audience Condition Argument", `operator "exists", which takes no argument`, "Remove argument"}},
		{`key = "a "` + "\n" + `type = "static"` + "\n" + `name = "A"`,
			[]string{"Invalid Knock ID", `key is "a ", which has whitespace at the start or end`}},
		{`key = "a"` + "\n" + `type = "static"` + "\n" + `name = "A"` + "\n" + `commit_message = "m"`,
			[]string{"Commit Message Without Commit", "Set commit = true"}},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: config(srv, c.body), PlanOnly: true, ExpectError: acctest.ErrorText(c.want...)})
	}
	// Counted since the start: none of the plans above sent a request.
	steps = append(steps, resource.TestStep{
		Config:            config(srv, `key = "a"`+"\n"+`type = "static"`+"\n"+`name = "A"`),
		ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Upsert: 1})},
	})
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProviderFactories, Steps: steps})
}

func TestAccAudienceResource_knockRefusesConditions(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: srv.ResetRequests,
			Config: config(srv, `key = "a"`+"\n"+`type = "dynamic"`+"\n"+`name = "A"`+"\n"+
				`segments = [{ conditions = [{ property = "plan", operator = "equal_to", argument = "premium" }] }]`),
			// Knock's property rule is its own: the configuration alone cannot tell.
			ExpectError: acctest.ErrorText("Invalid Audience Conditions", `validating audience "a" in environment "development"`, "Knock refused these fields:", "audience.segments[0].conditions[0].property"),
		}},
	})
}
