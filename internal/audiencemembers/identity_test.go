package audiencemembers

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestIdentity_schemaAndImport checks the identity schema and import by identity at the protocol level,
// so that CI covers them on Terraform versions before 1.12 too.
func TestIdentity_schemaAndImport(t *testing.T) {
	ctx := context.Background()
	schema := IdentitySchema()
	if len(schema.IdentityAttributes) != 2 || !schema.IdentityAttributes[0].RequiredForImport || !schema.IdentityAttributes[1].OptionalForImport {
		t.Fatalf("identity schema = %+v", schema)
	}

	identity, err := tfprotov6.NewDynamicValue(identityType, tftypes.NewValue(identityType, map[string]tftypes.Value{
		"audience_key": tftypes.NewValue(tftypes.String, "beta"),
		"tenant":       tftypes.NewValue(tftypes.String, "acme"),
	}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := resourceOf(nil, 0).ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{
		TypeName: TypeName, Identity: &tfprotov6.ResourceIdentityData{IdentityData: &identity},
	})
	if err != nil || len(resp.Diagnostics) > 0 || len(resp.ImportedResources) != 1 {
		t.Fatalf("import by identity: %v %v", err, resp.Diagnostics)
	}
	state, _, err := decodeObject(resp.ImportedResources[0].State)
	if err != nil || stringOf(state.get(attrAudienceKey)) != "beta" || stringOf(state.get(attrTenant)) != "acme" || stringOf(state.get(attrID)) != "beta/acme" {
		t.Errorf("imported state: audience %q tenant %q (%v)", stringOf(state.get(attrAudienceKey)), stringOf(state.get(attrTenant)), err)
	}
	key, tenant, err := importTarget(resp.ImportedResources[0].Identity)
	if err != nil || key != "beta" || tenant != "acme" {
		t.Errorf("imported identity = %q %q (%v)", key, tenant, err)
	}
}
