package audience_test

import (
	"context"
	"fmt"
	"reflect"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// addr is the address of the knock_audience that config declares.
const addr = "knock_audience.test"

// config is the provider at srv with the Management API, any provider settings, and knock_audience.test
// with body.
func config(srv *localknock.Server, body string, settings ...string) string {
	return acctest.ManagementConfig(srv, settings...) + "\nresource \"knock_audience\" \"test\" {\n" + body + "\n}\n"
}

// premiumSegments is the segments HCL of a dynamic audience of premium users.
const premiumSegments = `
  segments = [{
    conditions = [{ property = "recipient.plan", operator = "equal_to", argument = "premium" }]
  }]`

// premium is the definition premiumSegments declares, as the local API holds it.
func premium(name string) localknock.AudienceDefinition {
	return localknock.AudienceDefinition{Type: "dynamic", Name: name, Segments: []localknock.Segment{{
		Conditions: []localknock.Condition{{Property: "recipient.plan", Operator: "equal_to", Argument: ptr("premium")}},
	}}}
}

func ptr(s string) *string { return &s }

// expectDefinition checks the definition of audience key in the local API's environment slug, the SHA aside.
func expectDefinition(srv *localknock.Server, slug, key string, want localknock.AudienceDefinition) statecheck.StateCheck {
	return definitionCheck{check: func() error { return checkDefinition(srv, slug, key, want) }}
}

type definitionCheck struct{ check func() error }

func (c definitionCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c.check()
}

func checkDefinition(srv *localknock.Server, slug, key string, want localknock.AudienceDefinition) error {
	got, ok := srv.AudienceDefinition(slug, key)
	if !ok {
		return fmt.Errorf("audience %q is not in environment %q", key, slug)
	}
	got.SHA = ""
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("audience %q in %q is %+v, want %+v", key, slug, got, want)
	}
	return nil
}

// keptAfterDestroy is a CheckDestroy requiring the audience to be still in Knock, not archived.
func keptAfterDestroy(srv *localknock.Server, key string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if srv.Archived(key) {
			return fmt.Errorf("audience %q was archived; the default destroy keeps it", key)
		}
		if _, ok := srv.AudienceDefinition("development", key); !ok {
			return fmt.Errorf("audience %q is gone from development; the default destroy keeps it", key)
		}
		return nil
	}
}
