package audience_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestAccAudienceResource_archiveOnDestroy(t *testing.T) {
	srv := newTwoEnvironmentAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if !srv.Archived("beta") {
				return fmt.Errorf("audience %q was not archived", "beta")
			}
			if got := srv.Requests()[localknock.EndpointAudienceArchive]; got != 1 {
				return fmt.Errorf("%d archive requests, want 1", got)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			PreConfig: srv.ResetRequests,
			Config:    config(srv, `key = "beta"`+"\n"+`type = "static"`+"\n"+`name = "Beta"`+"\n  archive_on_destroy = true"),
		}},
	})
}

// TestAccAudienceResource_destroyKeeps runs the CLI itself to read the warnings of the plan and the apply
// of a destroy, which resource.Test does not show.
func TestAccAudienceResource_destroyKeeps(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	tf := acctest.NewCLIWorkspace(t, config(srv, `key = "beta"`+"\n"+`type = "static"`+"\n"+`name = "Beta"`))
	tf.MustRun("apply", "-auto-approve")
	srv.ResetRequests()
	out := tf.MustRun("destroy", "-auto-approve")
	acctest.ExpectOutput(t, out, `Warning: Audience Kept in Knock`, `Destroying knock_audience "beta" removes it from the Terraform state only`,
		`archive_on_destroy = true`, `Destroy complete! Resources: 1 destroyed`)
	if srv.Archived("beta") {
		t.Error("the default destroy archived the audience")
	}
	if _, ok := srv.AudienceDefinition("development", "beta"); !ok {
		t.Error("the default destroy removed the audience")
	}
	if got := srv.Requests()[localknock.EndpointAudienceArchive]; got != 0 {
		t.Errorf("%d archive requests, want 0", got)
	}
}

func TestAccAudienceResource_typeChange(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	static := `key = "beta"` + "\n" + `type = "static"` + "\n" + `name = "Beta"`
	dynamic := `key = "beta"` + "\n" + `type = "dynamic"` + "\n" + `name = "Beta"` + premiumSegments
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(srv, static)},
			{
				// The replacement would keep the old audience and Knock would refuse the new type.
				Config:      config(srv, dynamic),
				ExpectError: acctest.ErrorText("Audience Type Change Needs Archive", `The type of audience "beta" changes from static to dynamic`, "archive_on_destroy = true"),
			},
			{
				PreConfig: srv.ResetRequests,
				Config:    config(srv, static+"\n  archive_on_destroy = true"),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Get: 1}),
				},
			},
			{
				PreConfig: srv.ResetRequests,
				Config:    config(srv, dynamic+"\n  archive_on_destroy = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectDefinition(srv, "development", "beta", premium("Beta")),
					// The plan cannot validate the new type while the old audience exists; the apply's plan of the
					// create, after the archive, does.
					acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Get: 1, Validate: 1, Archive: 1, Upsert: 1}),
				},
			},
		},
	})
}

// TestAccAudienceResource_typeChangeWithNewKey: a new key makes the replacement another audience, so the
// type may change without archiving the old one, which is kept.
func TestAccAudienceResource_typeChangeWithNewKey(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(srv, `key = "beta"`+"\n"+`type = "static"`+"\n"+`name = "Beta"`)},
			{
				Config: config(srv, `key = "premium"`+"\n"+`type = "dynamic"`+"\n"+`name = "Premium"`+premiumSegments),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectDefinition(srv, "development", "premium", premium("Premium")),
					expectDefinition(srv, "development", "beta", localknock.AudienceDefinition{Type: "static", Name: "Beta"}),
				},
			},
		},
	})
}
