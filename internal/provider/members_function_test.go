package provider_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/provider"
)

func TestAccMembersFunction_buildsMembers(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("fn")
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: acctest.MembersConfig(srv, "fn", `merge(provider::knock::members(["u1", "u2"]), provider::knock::members(["u3"], "acme"))`),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectMembers(map[string]knownvalue.Check{"u1": knownvalue.Null(), "u2": knownvalue.Null(), "u3": knownvalue.StringExact("acme")}),
					acctest.ExpectLive(srv, "fn", acctest.Member("u1", ""), acctest.Member("u2", ""), acctest.Member("u3", "acme")),
				},
			},
			{
				Config:      acctest.MembersConfig(srv, "fn", `provider::knock::members(["u1", "u2", "u1"])`),
				ExpectError: acctest.ErrorText(`user_ids[2] is "u1", which is also user_ids[0]`, "distinct()"),
			},
			{
				Config:      acctest.MembersConfig(srv, "fn", `provider::knock::members(["u1", ""])`),
				ExpectError: acctest.ErrorText("user_ids[1] is empty"),
			},
			{
				Config:      acctest.MembersConfig(srv, "fn", `provider::knock::members(["u1", null])`),
				ExpectError: acctest.ErrorText("user_ids[1] is null", `id != null && id != ""`),
			},
			{
				// The filter that the error and the description suggest drops both nulls and empty ids.
				Config: acctest.MembersConfig(srv, "fn", `provider::knock::members([for id in ["u1", null, ""] : id if id != null && id != ""])`),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectMembers(map[string]knownvalue.Check{"u1": knownvalue.Null()}),
				},
			},
			{Config: acctest.MembersConfig(srv, "fn", `provider::knock::members(["u1"])`)},
			{
				// null is "no tenant", as a module's optional tenant variable passes it.
				Config:            acctest.MembersConfig(srv, "fn", `provider::knock::members(["u1", "u2"], null)`),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectMembers(map[string]knownvalue.Check{"u1": knownvalue.Null(), "u2": knownvalue.Null()})},
			},
		},
	})
}

// TestMembersFunction_protocol calls the function through the provider server, so that it is covered
// on Terraform versions without provider functions too.
func TestMembersFunction_protocol(t *testing.T) {
	server := provider.NewProtocol6Server("test")()
	listType := tftypes.List{ElementType: tftypes.String}
	call := func(ids []string, tenants ...string) (*tfprotov6.CallFunctionResponse, error) {
		elems := make([]tftypes.Value, len(ids))
		for i, id := range ids {
			elems[i] = tftypes.NewValue(tftypes.String, id)
		}
		args := []*tfprotov6.DynamicValue{dynamic(t, listType, tftypes.NewValue(listType, elems))}
		for _, tenant := range tenants {
			args = append(args, dynamic(t, tftypes.String, tftypes.NewValue(tftypes.String, tenant)))
		}
		return server.CallFunction(context.Background(), &tfprotov6.CallFunctionRequest{Name: "members", Arguments: args})
	}

	// null as OpenTofu 1.12 sends it: a value with no data (or none at all).
	for _, null := range []*tfprotov6.DynamicValue{{}, nil} {
		nullResp, err := server.CallFunction(context.Background(), &tfprotov6.CallFunctionRequest{Name: "members", Arguments: []*tfprotov6.DynamicValue{
			dynamic(t, listType, tftypes.NewValue(listType, []tftypes.Value{tftypes.NewValue(tftypes.String, "a")})), null,
		}})
		if err != nil || nullResp.Error != nil {
			t.Fatalf("CallFunction with a null tenant sent as %v: %v, %v", null, err, nullResp.Error)
		}
	}

	resp, err := call([]string{"a", "b"}, "acme")
	if err != nil || resp.Error != nil {
		t.Fatalf("CallFunction: %v, %v", err, resp.Error)
	}
	mapType := tftypes.Map{ElementType: tftypes.String}
	result, err := resp.Result.Unmarshal(mapType)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]tftypes.Value
	if err := result.As(&got); err != nil || len(got) != 2 || !got["a"].Equal(tftypes.NewValue(tftypes.String, "acme")) {
		t.Errorf("members([a b], acme) = %v (%v)", got, err)
	}

	args := []*tfprotov6.DynamicValue{
		dynamic(t, listType, tftypes.NewValue(listType, []tftypes.Value{tftypes.NewValue(tftypes.String, "a")})),
		dynamic(t, tftypes.String, tftypes.NewValue(tftypes.String, nil)),
	}
	resp, err = server.CallFunction(context.Background(), &tfprotov6.CallFunctionRequest{Name: "members", Arguments: args})
	if err != nil || resp.Error != nil {
		t.Fatalf("members([a], null): %v, %v", err, resp.Error)
	}
	result, err = resp.Result.Unmarshal(mapType)
	if err != nil || result.As(&got) != nil || len(got) != 1 || !got["a"].IsNull() {
		t.Errorf("members([a], null) = %v (%v), want {a = null}", got, err)
	}

	resp, err = call([]string{"a", "a"})
	if err != nil || resp.Error == nil || !strings.Contains(resp.Error.Text, "also user_ids[0]") {
		t.Errorf("duplicate ids: got %+v, %v", resp.Error, err)
	}
	resp, err = call([]string{"a"}, "x", "y")
	if err != nil || resp.Error == nil || !strings.Contains(resp.Error.Text, "at most one tenant") {
		t.Errorf("two tenants: got %+v, %v", resp.Error, err)
	}
}
