package provider_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/provider"
)

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
