package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/coalesce"
)

// TestConfigure_publishesOneProviderData: the framework's resources, data sources and list resources get
// the very value the protocol-level resources read, and the claims and locks outlive a Configure, so that
// conflicts across the two kinds of resource show at plan.
func TestConfigure_publishesOneProviderData(t *testing.T) {
	ctx := context.Background()
	p := newKnockProvider("test", coalesce.DefaultWindows())
	before := p.currentData()
	var schemaResp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &schemaResp)
	typ := schemaResp.Schema.Type().TerraformType(ctx).(tftypes.Object) //nolint:forcetypeassert // a schema is an object
	attrs := map[string]tftypes.Value{}
	for name, attrType := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(attrType, nil)
	}
	attrs["base_url"] = tftypes.NewValue(tftypes.String, "http://127.0.0.1:1")
	attrs["api_key"] = tftypes.NewValue(tftypes.String, "sk_test_configure")
	var resp provider.ConfigureResponse
	p.Configure(ctx, provider.ConfigureRequest{Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, attrs)}}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	data := p.currentData()
	if data.Client == nil || data.Coalescer == nil {
		t.Fatalf("configured data = %+v, want a client and a coalescer", data)
	}
	if data.Claims != before.Claims || data.Locks != before.Locks {
		t.Error("Configure replaced the claims or locks of the process")
	}
	for name, handed := range map[string]any{"resources": resp.ResourceData, "data sources": resp.DataSourceData, "list resources": resp.ListResourceData} {
		if handed != any(data) {
			t.Errorf("the %s got %v, not the data the protocol-level resources read", name, handed)
		}
	}
}

// TestServer_identitySchemasOfBothResources: the identity schemas come from the framework for
// knock_audience_member and from the router for knock_audience_members.
func TestServer_identitySchemasOfBothResources(t *testing.T) {
	resp, err := NewProtocol6Server("test")().GetResourceIdentitySchemas(context.Background(), &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatal(err, resp.Diagnostics)
	}
	for typeName, attributes := range map[string]int{"knock_audience_members": 2, "knock_audience_member": 3} {
		if schema := resp.IdentitySchemas[typeName]; schema == nil || len(schema.IdentityAttributes) != attributes {
			t.Errorf("identity schema of %s = %+v, want %d attributes", typeName, schema, attributes)
		}
	}
}
