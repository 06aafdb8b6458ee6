package provider_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
	"github.com/knock-tf/terraform-provider-knock/internal/provider"
)

const memberAddr = "knock_audience_member.test"

// memberConfig declares knock_audience_member.test with the given attributes, plus any further HCL.
func memberConfig(srv *localknock.Server, attributes string, more ...string) string {
	return acctest.ProviderConfig(srv) + fmt.Sprintf(`
resource "knock_audience_member" "test" {
%s
}
`, attributes) + strings.Join(more, "")
}

// expectMember checks every attribute of a knock_audience_member; tenant "" means null.
func expectMember(addr, id, audienceKey, userID, tenant string) statecheck.StateCheck {
	var tenantCheck knownvalue.Check = knownvalue.Null()
	if tenant != "" {
		tenantCheck = knownvalue.StringExact(tenant)
	}
	return allStateChecks{
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("audience_key"), knownvalue.StringExact(audienceKey)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("user_id"), knownvalue.StringExact(userID)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("tenant"), tenantCheck),
	}
}

// allStateChecks runs its checks in order and reports the first failure.
type allStateChecks []statecheck.StateCheck

func (checks allStateChecks) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	for _, check := range checks {
		if check.CheckState(ctx, req, resp); resp.Error != nil {
			return
		}
	}
}

// TestAudienceMemberIdentity_protocol checks the identity schema and import by identity through the
// provider server, so that CI covers them on Terraform versions before 1.12 too.
func TestAudienceMemberIdentity_protocol(t *testing.T) {
	server := provider.NewProtocol6Server("test")()
	ctx := context.Background()
	resp, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("GetResourceIdentitySchemas: %v %v", err, resp.Diagnostics)
	}
	schema := resp.IdentitySchemas["knock_audience_member"]
	if schema == nil || len(schema.IdentityAttributes) != 3 {
		t.Fatalf("knock_audience_member identity schema = %+v", schema)
	}
	for _, attr := range schema.IdentityAttributes {
		if want := attr.Name != "tenant"; attr.RequiredForImport != want || attr.OptionalForImport == want {
			t.Errorf("identity attribute %s: required %v optional %v", attr.Name, attr.RequiredForImport, attr.OptionalForImport)
		}
	}

	identityType := schema.ValueType()
	identity := dynamic(t, identityType, tftypes.NewValue(identityType, map[string]tftypes.Value{
		"audience_key": tftypes.NewValue(tftypes.String, "beta"),
		"user_id":      tftypes.NewValue(tftypes.String, "u/1"),
		"tenant":       tftypes.NewValue(tftypes.String, "acme"),
	}))
	imported, err := server.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{
		TypeName: "knock_audience_member", Identity: &tfprotov6.ResourceIdentityData{IdentityData: identity},
	})
	if err != nil || len(imported.Diagnostics) > 0 || len(imported.ImportedResources) != 1 {
		t.Fatalf("import by identity: %v %v", err, imported.Diagnostics)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	state, err := imported.ImportedResources[0].State.Unmarshal(schemas.ResourceSchemas["knock_audience_member"].ValueType())
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := state.As(&attrs); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"id": "beta/u%2F1/acme", "audience_key": "beta", "user_id": "u/1", "tenant": "acme"} {
		if got := attrs[name]; !got.Equal(tftypes.NewValue(tftypes.String, want)) {
			t.Errorf("imported %s = %v, want %q", name, got, want)
		}
	}
}
