package provider_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/provider"
)

// TestAudienceMemberListResource_protocol lists an audience through the provider server, as
// `terraform query` (Terraform 1.14+) does, so that CI covers it on any Terraform version.
func TestAudienceMemberListResource_protocol(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("queried", acctest.Member("u2", ""), acctest.Member("u1", "acme"), acctest.Member("u3", "acme"), acctest.Member("u4", "globex"))
	server := provider.NewProtocol6Server("test")()
	ctx := context.Background()

	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || schemas.ListResourceSchemas["knock_audience_member"] == nil {
		t.Fatalf("list resource schema missing: %v", err)
	}
	providerType := schemas.Provider.ValueType().(tftypes.Object)
	providerConfig := map[string]tftypes.Value{}
	for name, typ := range providerType.AttributeTypes {
		providerConfig[name] = tftypes.NewValue(typ, nil)
	}
	providerConfig["base_url"] = tftypes.NewValue(tftypes.String, srv.URL())
	providerConfig["api_key"] = tftypes.NewValue(tftypes.String, acctest.APIKey)
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: dynamic(t, providerType, tftypes.NewValue(providerType, providerConfig))})
	if err != nil || len(configured.Diagnostics) > 0 {
		t.Fatalf("ConfigureProvider: %v %v", err, configured.Diagnostics)
	}

	listType := schemas.ListResourceSchemas["knock_audience_member"].ValueType().(tftypes.Object)
	list := func(tenant tftypes.Value, limit int64, include bool) []tfprotov6.ListResourceResult {
		config := dynamic(t, listType, tftypes.NewValue(listType, map[string]tftypes.Value{
			"audience_key": tftypes.NewValue(tftypes.String, "queried"),
			"tenant":       tenant,
		}))
		stream, err := server.(tfprotov6.ListResourceServer).ListResource(ctx, &tfprotov6.ListResourceRequest{
			TypeName: "knock_audience_member", Config: config, Limit: limit, IncludeResource: include,
		})
		if err != nil {
			t.Fatal(err)
		}
		var results []tfprotov6.ListResourceResult
		for result := range stream.Results {
			if len(result.Diagnostics) > 0 {
				t.Fatalf("result diagnostics: %v", result.Diagnostics[0])
			}
			results = append(results, result)
		}
		return results
	}

	all := list(tftypes.NewValue(tftypes.String, nil), 0, true)
	if len(all) != 4 || all[0].DisplayName != "u1 (tenant acme)" || all[1].DisplayName != "u2" || all[0].Resource == nil {
		t.Fatalf("all memberships: %d results, first %q", len(all), all[0].DisplayName)
	}
	identityType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"audience_key": tftypes.String, "user_id": tftypes.String, "tenant": tftypes.String}}
	identity, err := all[0].Identity.IdentityData.Unmarshal(identityType)
	var attrs map[string]tftypes.Value
	if err != nil || identity.As(&attrs) != nil || !attrs["user_id"].Equal(tftypes.NewValue(tftypes.String, "u1")) || !attrs["tenant"].Equal(tftypes.NewValue(tftypes.String, "acme")) {
		t.Errorf("identity of the first result = %v (%v)", attrs, err)
	}

	acme := list(tftypes.NewValue(tftypes.String, "acme"), 1, false)
	if len(acme) != 1 || acme[0].DisplayName != "u1 (tenant acme)" || acme[0].Resource != nil {
		t.Errorf("tenant acme, limit 1, without resources: %+v", acme)
	}
}

// TestAudienceMemberListResource_validatesIDs: the list resource's audience_key and tenant follow the rule
// of every other Knock id; "." or ".." would be sent as a path segment.
func TestAudienceMemberListResource_validatesIDs(t *testing.T) {
	server := provider.NewProtocol6Server("test")()
	ctx := context.Background()
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	listType := schemas.ListResourceSchemas["knock_audience_member"].ValueType().(tftypes.Object)
	for _, tc := range []struct{ audienceKey, tenant, want string }{
		{"..", "", `audience_key is "..", which is . or ..`},
		{".", "", `audience_key is ".", which is . or ..`},
		{"aud", " acme", `tenant is " acme", which has whitespace at the start or end`},
	} {
		tenant := tftypes.NewValue(tftypes.String, nil)
		if tc.tenant != "" {
			tenant = tftypes.NewValue(tftypes.String, tc.tenant)
		}
		config := dynamic(t, listType, tftypes.NewValue(listType, map[string]tftypes.Value{
			"audience_key": tftypes.NewValue(tftypes.String, tc.audienceKey), "tenant": tenant,
		}))
		resp, err := server.(tfprotov6.ListResourceServer).ValidateListResourceConfig(ctx, &tfprotov6.ValidateListResourceConfigRequest{
			TypeName: "knock_audience_member", Config: config,
		})
		if err != nil || len(resp.Diagnostics) != 1 || !strings.Contains(resp.Diagnostics[0].Detail, tc.want) {
			t.Errorf("audience_key %q, tenant %q: got %v %v, want one error containing %q", tc.audienceKey, tc.tenant, err, resp.Diagnostics, tc.want)
		}
	}
}
