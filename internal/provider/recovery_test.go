package provider

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/knock-tf/terraform-provider-knock/internal/audiencemembers"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

// panickingServer panics in every call: its embedded servers are nil.
type panickingServer struct {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
}

// responseText is what Terraform would show of a response: its diagnostics, or a function's error.
func responseText(t *testing.T, resp any) string {
	t.Helper()
	switch r := resp.(type) {
	case *tfprotov6.CallFunctionResponse:
		return r.Error.Text
	case *tfprotov6.StopProviderResponse:
		return r.Error
	case *tfprotov6.ListResourceServerStream:
		var texts []string
		for result := range r.Results {
			for _, d := range result.Diagnostics {
				texts = append(texts, d.Summary+": "+d.Detail)
			}
		}
		return strings.Join(texts, "\n")
	}
	diags, ok := reflect.ValueOf(resp).Elem().FieldByName("Diagnostics").Interface().([]*tfprotov6.Diagnostic)
	if !ok || len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError {
		t.Fatalf("%T: want one error diagnostic, got %v", resp, diags)
	}
	return diags[0].Summary + ": " + diags[0].Detail
}

// TestRecoveringServer_panicInAnyRPCIsAnError calls every RPC of the server that NewProtocol6Server
// wraps around the provider, over an implementation that panics in each.
func TestRecoveringServer_panicInAnyRPCIsAnError(t *testing.T) {
	server := reflect.ValueOf(&recoveringServer{next: panickingServer{}})
	for i := range server.NumMethod() {
		method := server.Type().Method(i)
		t.Run(method.Name, func(t *testing.T) {
			req := reflect.New(method.Type.In(2).Elem())
			out := server.Method(i).Call([]reflect.Value{reflect.ValueOf(context.Background()), req})
			if err := out[1].Interface(); err != nil {
				t.Fatalf("error %v, want a diagnostic", err)
			}
			text := responseText(t, out[0].Interface())
			if !strings.Contains(text, "Provider Panic in "+method.Name) || !strings.Contains(text, "nil pointer dereference") {
				t.Errorf("got %q, want the RPC's name and the panic", text)
			}
		})
	}
}

// TestRecoveringServer_panicWhileStreamingListResults: the list results are made after the RPC returns.
func TestRecoveringServer_panicWhileStreamingListResults(t *testing.T) {
	server := &recoveringServer{next: panickingStream{}}
	stream, err := server.ListResource(context.Background(), &tfprotov6.ListResourceRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for result := range stream.Results {
		got = append(got, result.DisplayName)
		for _, d := range result.Diagnostics {
			got = append(got, d.Summary+": "+strings.SplitN(d.Detail, "\n", 2)[0])
		}
	}
	want := []string{"u1", "", "Provider Panic in ListResource: The knock provider failed unexpectedly while serving ListResource: boom"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("results = %q, want %q", got, want)
	}
}

type panickingStream struct{ panickingServer }

func (panickingStream) ListResource(context.Context, *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	return &tfprotov6.ListResourceServerStream{Results: func(yield func(tfprotov6.ListResourceResult) bool) {
		if yield(tfprotov6.ListResourceResult{DisplayName: "u1"}) {
			panic("boom")
		}
	}}, nil
}

// TestProtocol6Server_recoversFromAPanic: the provider's own server, given a request Terraform would
// never send, reports the panic instead of crashing.
func TestProtocol6Server_recoversFromAPanic(t *testing.T) {
	resp, err := NewProtocol6Server("test")().ReadResource(context.Background(), nil)
	if err != nil || !strings.Contains(responseText(t, resp), "Provider Panic in ReadResource") {
		t.Fatalf("ReadResource(nil) = %v, %v", resp, err)
	}
}

// TestRecoveringServer_panicInApplyLeavesThePrivateStateOfAFailure: an apply of knock_audience_members
// that fails clears the plan's read time (what the audience holds is no longer known) and keeps the owner;
// a panic in the apply must leave the same, not the planned private state, whose read time would let the
// next apply trust a state the panicking one may have made wrong.
func TestRecoveringServer_panicInApplyLeavesThePrivateStateOfAFailure(t *testing.T) {
	next := &server{ProviderServer: panickingServer{}, audienceMembers: audiencemembers.NewResource(func() *providerdata.Data { panic("boom") })}
	planned := []byte(`{"read_at":"2026-12-03T08:00:00Z","owner":"owner-1","change":{"add":[["u1",""]]}}`)
	resp, err := (&recoveringServer{next: next}).ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: audiencemembers.TypeName, PlannedPrivate: planned,
	})
	if err != nil || !strings.Contains(responseText(t, resp), "Provider Panic in ApplyResourceChange") {
		t.Fatalf("ApplyResourceChange = %v, %v; want the panic as a diagnostic", resp, err)
	}
	var private map[string]any
	if err := json.Unmarshal(resp.Private, &private); err != nil {
		t.Fatalf("private state %q: %v", resp.Private, err)
	}
	if private["owner"] != "owner-1" || private["read_at"] != "0001-01-01T00:00:00Z" || private["change"] != nil {
		t.Errorf("private state after the panic = %s, want the owner only (no read time, no change)", resp.Private)
	}
}
