package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// TestAudienceMembersIdentity_protocol checks the identity schema and import by identity through the
// provider server, so that CI covers them on Terraform versions before 1.12 too.
func TestAudienceMembersIdentity_protocol(t *testing.T) {
	server := NewProtocol6Server("test")()
	ctx := context.Background()
	schemas, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	schema := schemas.IdentitySchemas[audienceMembersTypeName]
	if schema == nil || len(schema.IdentityAttributes) != 2 || !schema.IdentityAttributes[0].RequiredForImport || !schema.IdentityAttributes[1].OptionalForImport {
		t.Fatalf("identity schema = %+v", schema)
	}

	identity := dynamic(t, audienceMembersIdentityType, tftypes.NewValue(audienceMembersIdentityType, map[string]tftypes.Value{
		"audience_key": tftypes.NewValue(tftypes.String, "beta"),
		"tenant":       tftypes.NewValue(tftypes.String, "acme"),
	}))
	resp, err := server.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{
		TypeName: audienceMembersTypeName, Identity: &tfprotov6.ResourceIdentityData{IdentityData: identity},
	})
	if err != nil || len(resp.Diagnostics) > 0 || len(resp.ImportedResources) != 1 {
		t.Fatalf("import by identity: %v %v", err, resp.Diagnostics)
	}
	state, _, err := decodeAudienceMembers(resp.ImportedResources[0].State)
	if err != nil || stringOf(state.get(attrAudienceKey)) != "beta" || stringOf(state.get(attrTenant)) != "acme" || stringOf(state.get(attrID)) != "beta/acme" {
		t.Errorf("imported state: audience %q tenant %q (%v)", stringOf(state.get(attrAudienceKey)), stringOf(state.get(attrTenant)), err)
	}
	key, tenant, err := importTarget(resp.ImportedResources[0].Identity)
	if err != nil || key != "beta" || tenant != "acme" {
		t.Errorf("imported identity = %q %q (%v)", key, tenant, err)
	}
}

func TestAccAudienceMembersResource_importByIdentity(t *testing.T) {
	srv := newLocalAPI(t)
	srv.AddMemberships("identified", member("u1", "acme"), member("u2", ""))
	config := providerConfig(srv) + membersResource("test", "identified", `{ "u1" = null }`, `tenant = "acme"`)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(membersAddr, map[string]knownvalue.Check{
						"audience_key": knownvalue.StringExact("identified"),
						"tenant":       knownvalue.StringExact("acme"),
					}),
				},
			},
			{
				Config:          config,
				ResourceName:    membersAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}
