package audiencemembers

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// knock_audience_members is identified by its audience and, for a tenant's slice, the tenant: what
// Terraform 1.12+ stores as the resource identity and what an import block can name instead of an id.
var identityType = IdentitySchema().ValueType()

// IdentitySchema is the resource identity: audience_key, and tenant for a tenant's slice.
func IdentitySchema() *tfprotov6.ResourceIdentitySchema {
	return &tfprotov6.ResourceIdentitySchema{
		Version: 0,
		IdentityAttributes: []*tfprotov6.ResourceIdentitySchemaAttribute{
			{Name: "audience_key", Type: tftypes.String, RequiredForImport: true, Description: "Key of the audience."},
			{Name: "tenant", Type: tftypes.String, OptionalForImport: true, Description: "Tenant of a resource with tenant set; null for the whole audience."},
		},
	}
}

// identityOf returns the identity of a resource value, or nil while its audience or tenant is unknown.
func identityOf(obj object) (*tfprotov6.ResourceIdentityData, error) {
	audienceKey, tenant := obj.get(attrAudienceKey), obj.get(attrTenant)
	if !audienceKey.IsKnown() || !tenant.IsKnown() {
		return nil, nil
	}
	dv, err := tfprotov6.NewDynamicValue(identityType, tftypes.NewValue(identityType, map[string]tftypes.Value{
		"audience_key": audienceKey,
		"tenant":       tenant,
	}))
	if err != nil {
		return nil, fmt.Errorf("encoding the identity: %w", err)
	}
	return &tfprotov6.ResourceIdentityData{IdentityData: &dv}, nil
}

// importTarget reads an import block's identity: the audience key and the tenant ("" for none).
func importTarget(identity *tfprotov6.ResourceIdentityData) (audienceKey, tenant string, err error) {
	if identity == nil || identity.IdentityData == nil {
		return "", "", fmt.Errorf("no identity given")
	}
	value, err := identity.IdentityData.Unmarshal(identityType)
	if err != nil {
		return "", "", fmt.Errorf("decoding the identity: %w", err)
	}
	var attrs map[string]tftypes.Value
	if err := value.As(&attrs); err != nil {
		return "", "", fmt.Errorf("decoding the identity: %w", err)
	}
	return stringOf(attrs["audience_key"]), stringOf(attrs["tenant"]), nil
}
