package provider

import (
	"context"
	"fmt"
	"iter"
	"runtime/debug"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// recoveringServer turns a panic in any RPC into an error diagnostic that names the RPC. Neither
// terraform-plugin-go nor the framework recovers: a panic in one RPC's goroutine ends the provider
// process, and with it every operation Terraform has in flight, so that Terraform reports a crash
// instead of the failed operation, and writes done by the others go unrecorded.
type recoveringServer struct {
	next interface {
		tfprotov6.ProviderServer
		tfprotov6.ListResourceServer
	}
}

var (
	_ tfprotov6.ProviderServer     = (*recoveringServer)(nil)
	_ tfprotov6.ListResourceServer = (*recoveringServer)(nil)
)

// guard calls rpc, and on a panic returns failed's response to the diagnostics that describe it.
func guard[Req, Resp any](ctx context.Context, name string, rpc func(context.Context, *Req) (*Resp, error), req *Req,
	failed func([]*tfprotov6.Diagnostic) *Resp) (resp *Resp, err error) {
	defer func() {
		if r := recover(); r != nil {
			resp, err = failed(panicDiagnostics(ctx, name, r)), nil
		}
	}()
	return rpc(ctx, req)
}

func panicDiagnostics(ctx context.Context, rpc string, recovered any) []*tfprotov6.Diagnostic {
	stack := string(debug.Stack())
	tflog.Error(ctx, "Recovered from a panic in a provider RPC", map[string]any{"rpc": rpc, "panic": fmt.Sprint(recovered), "stack": stack})
	return knockdiag.Error("Provider Panic in "+rpc,
		fmt.Sprintf("The knock provider failed unexpectedly while serving %s: %v\n\nThis is a bug in the provider; "+
			"the operation did not complete. Please report it with this message and the stack below. Other "+
			"operations of this run were not affected.\n\n%s", rpc, recovered, stack), nil)
}

func diagnosticsOnly[Resp any](set func(*Resp, []*tfprotov6.Diagnostic)) func([]*tfprotov6.Diagnostic) *Resp {
	return func(diags []*tfprotov6.Diagnostic) *Resp {
		resp := new(Resp)
		set(resp, diags)
		return resp
	}
}

func (s *recoveringServer) GetMetadata(ctx context.Context, req *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	return guard(ctx, "GetMetadata", s.next.GetMetadata, req, diagnosticsOnly(func(r *tfprotov6.GetMetadataResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return guard(ctx, "GetProviderSchema", s.next.GetProviderSchema, req, diagnosticsOnly(func(r *tfprotov6.GetProviderSchemaResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) GetResourceIdentitySchemas(ctx context.Context, req *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return guard(ctx, "GetResourceIdentitySchemas", s.next.GetResourceIdentitySchemas, req, diagnosticsOnly(func(r *tfprotov6.GetResourceIdentitySchemasResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) ValidateProviderConfig(ctx context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return guard(ctx, "ValidateProviderConfig", s.next.ValidateProviderConfig, req, diagnosticsOnly(func(r *tfprotov6.ValidateProviderConfigResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return guard(ctx, "ConfigureProvider", s.next.ConfigureProvider, req, diagnosticsOnly(func(r *tfprotov6.ConfigureProviderResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) StopProvider(ctx context.Context, req *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return guard(ctx, "StopProvider", s.next.StopProvider, req, func(d []*tfprotov6.Diagnostic) *tfprotov6.StopProviderResponse {
		return &tfprotov6.StopProviderResponse{Error: d[0].Summary + ": " + d[0].Detail}
	})
}

func (s *recoveringServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return guard(ctx, "ValidateResourceConfig", s.next.ValidateResourceConfig, req, diagnosticsOnly(func(r *tfprotov6.ValidateResourceConfigResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return guard(ctx, "UpgradeResourceState", s.next.UpgradeResourceState, req, diagnosticsOnly(func(r *tfprotov6.UpgradeResourceStateResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

// ReadResource keeps the current state: with an error, Terraform records nothing new anyway.
func (s *recoveringServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return guard(ctx, "ReadResource", s.next.ReadResource, req, func(d []*tfprotov6.Diagnostic) *tfprotov6.ReadResourceResponse {
		resp := &tfprotov6.ReadResourceResponse{Diagnostics: d}
		if req != nil {
			resp.NewState, resp.Private = req.CurrentState, req.Private
		}
		return resp
	})
}

func (s *recoveringServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return guard(ctx, "PlanResourceChange", s.next.PlanResourceChange, req, diagnosticsOnly(func(r *tfprotov6.PlanResourceChangeResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

// ApplyResourceChange answers with the prior state: what the panicking apply did is unknown, and the
// next plan's refresh finds it out, whereas a null state would make Terraform forget the object. The
// private state is a failed apply's, as the resource would leave it: the planned one holds the plan's
// read time, which would let the next apply trust a state that the panicking apply may have made wrong.
func (s *recoveringServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return guard(ctx, "ApplyResourceChange", s.next.ApplyResourceChange, req, func(d []*tfprotov6.Diagnostic) *tfprotov6.ApplyResourceChangeResponse {
		resp := &tfprotov6.ApplyResourceChangeResponse{Diagnostics: d}
		if req != nil {
			resp.NewState, resp.Private = req.PriorState, req.PlannedPrivate
			if failed, ok := s.next.(interface {
				privateAfterFailedApply(*tfprotov6.ApplyResourceChangeRequest) []byte
			}); ok {
				resp.Private = failed.privateAfterFailedApply(req)
			}
		}
		return resp
	})
}

func (s *recoveringServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return guard(ctx, "ImportResourceState", s.next.ImportResourceState, req, diagnosticsOnly(func(r *tfprotov6.ImportResourceStateResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return guard(ctx, "MoveResourceState", s.next.MoveResourceState, req, diagnosticsOnly(func(r *tfprotov6.MoveResourceStateResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return guard(ctx, "UpgradeResourceIdentity", s.next.UpgradeResourceIdentity, req, diagnosticsOnly(func(r *tfprotov6.UpgradeResourceIdentityResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return guard(ctx, "GenerateResourceConfig", s.next.GenerateResourceConfig, req, diagnosticsOnly(func(r *tfprotov6.GenerateResourceConfigResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return guard(ctx, "ValidateDataResourceConfig", s.next.ValidateDataResourceConfig, req, diagnosticsOnly(func(r *tfprotov6.ValidateDataResourceConfigResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return guard(ctx, "ReadDataSource", s.next.ReadDataSource, req, diagnosticsOnly(func(r *tfprotov6.ReadDataSourceResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return guard(ctx, "CallFunction", s.next.CallFunction, req, func(d []*tfprotov6.Diagnostic) *tfprotov6.CallFunctionResponse {
		return &tfprotov6.CallFunctionResponse{Error: &tfprotov6.FunctionError{Text: d[0].Summary + ": " + d[0].Detail}}
	})
}

func (s *recoveringServer) GetFunctions(ctx context.Context, req *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return guard(ctx, "GetFunctions", s.next.GetFunctions, req, diagnosticsOnly(func(r *tfprotov6.GetFunctionsResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return guard(ctx, "ValidateEphemeralResourceConfig", s.next.ValidateEphemeralResourceConfig, req, diagnosticsOnly(func(r *tfprotov6.ValidateEphemeralResourceConfigResponse, d []*tfprotov6.Diagnostic) {
		r.Diagnostics = d
	}))
}

func (s *recoveringServer) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return guard(ctx, "OpenEphemeralResource", s.next.OpenEphemeralResource, req, diagnosticsOnly(func(r *tfprotov6.OpenEphemeralResourceResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return guard(ctx, "RenewEphemeralResource", s.next.RenewEphemeralResource, req, diagnosticsOnly(func(r *tfprotov6.RenewEphemeralResourceResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return guard(ctx, "CloseEphemeralResource", s.next.CloseEphemeralResource, req, diagnosticsOnly(func(r *tfprotov6.CloseEphemeralResourceResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

func (s *recoveringServer) ValidateListResourceConfig(ctx context.Context, req *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	return guard(ctx, "ValidateListResourceConfig", s.next.ValidateListResourceConfig, req, diagnosticsOnly(func(r *tfprotov6.ValidateListResourceConfigResponse, d []*tfprotov6.Diagnostic) { r.Diagnostics = d }))
}

// ListResource also guards the stream's iterator, which terraform-plugin-go runs after the RPC
// returned: that is where the results, and any panic making them, come from.
func (s *recoveringServer) ListResource(ctx context.Context, req *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	failed := func(d []*tfprotov6.Diagnostic) *tfprotov6.ListResourceServerStream {
		return &tfprotov6.ListResourceServerStream{Results: func(yield func(tfprotov6.ListResourceResult) bool) {
			yield(tfprotov6.ListResourceResult{Diagnostics: d})
		}}
	}
	stream, err := guard(ctx, "ListResource", s.next.ListResource, req, failed)
	if err != nil || stream == nil || stream.Results == nil {
		return stream, err
	}
	return &tfprotov6.ListResourceServerStream{Results: recoveringResults(ctx, stream.Results)}, nil
}

func recoveringResults(ctx context.Context, results iter.Seq[tfprotov6.ListResourceResult]) iter.Seq[tfprotov6.ListResourceResult] {
	return func(yield func(tfprotov6.ListResourceResult) bool) {
		yielding := false // a panic while the consumer has a result is the consumer's, not ours to report
		defer func() {
			if yielding {
				return
			}
			if r := recover(); r != nil {
				yield(tfprotov6.ListResourceResult{Diagnostics: panicDiagnostics(ctx, "ListResource", r)})
			}
		}()
		for result := range results {
			yielding = true
			if !yield(result) {
				return
			}
			yielding = false
		}
	}
}
