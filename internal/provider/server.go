package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/knock-tf/terraform-provider-knock/internal/audiencemembers"
	"github.com/knock-tf/terraform-provider-knock/internal/coalesce"
)

// NewProtocol6Server returns the provider's plugin-protocol server: terraform-plugin-framework serves the
// provider configuration and everything else, and the knock_audience_members resource and data source are
// routed to their own protocol-level implementations (see internal/audiencemembers/resource.go for why). A panic in any call
// becomes an error diagnostic (recovery.go).
func NewProtocol6Server(version string) func() tfprotov6.ProviderServer {
	return newProtocol6Server(version, coalesce.DefaultWindows())
}

// newProtocol6Server is NewProtocol6Server whose knock_audience_member batches its writes within
// coalesceWindows.
func newProtocol6Server(version string, coalesceWindows coalesce.Windows) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		p := newKnockProvider(version, coalesceWindows)
		return &recoveringServer{next: &server{
			ProviderServer:  providerserver.NewProtocol6(p)(),
			audienceMembers: audiencemembers.NewResource(p.currentData),
			membersData:     audiencemembers.NewDataSource(p.currentData),
		}}
	}
}

var (
	_ tfprotov6.ProviderServer     = (*server)(nil)
	_ tfprotov6.ListResourceServer = (*server)(nil)
)

// server embeds the framework's server and overrides the calls that concern knock_audience_members.
type server struct {
	tfprotov6.ProviderServer
	audienceMembers *audiencemembers.Resource
	membersData     *audiencemembers.DataSource
}

func (s *server) GetMetadata(ctx context.Context, req *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	resp, err := s.ProviderServer.GetMetadata(ctx, req)
	if err == nil && resp != nil {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: audiencemembers.TypeName})
		resp.DataSources = append(resp.DataSources, tfprotov6.DataSourceMetadata{TypeName: audiencemembers.TypeName})
	}
	return resp, err
}

func (s *server) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	resp, err := s.ProviderServer.GetProviderSchema(ctx, req)
	if err == nil && resp != nil {
		if resp.ResourceSchemas == nil {
			resp.ResourceSchemas = map[string]*tfprotov6.Schema{}
		}
		resp.ResourceSchemas[audiencemembers.TypeName] = audiencemembers.Schema()
		if resp.DataSourceSchemas == nil {
			resp.DataSourceSchemas = map[string]*tfprotov6.Schema{}
		}
		resp.DataSourceSchemas[audiencemembers.TypeName] = audiencemembers.DataSourceSchema()
	}
	return resp, err
}

func (s *server) GetResourceIdentitySchemas(ctx context.Context, req *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	resp, err := s.ProviderServer.GetResourceIdentitySchemas(ctx, req)
	if err == nil && resp != nil {
		if resp.IdentitySchemas == nil {
			resp.IdentitySchemas = map[string]*tfprotov6.ResourceIdentitySchema{}
		}
		resp.IdentitySchemas[audiencemembers.TypeName] = audiencemembers.IdentitySchema()
	}
	return resp, err
}

func (s *server) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	if req.TypeName == audiencemembers.TypeName {
		return s.audienceMembers.UpgradeResourceIdentity(ctx, req)
	}
	return s.ProviderServer.UpgradeResourceIdentity(ctx, req)
}

func (s *server) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	if req.TypeName == audiencemembers.TypeName {
		return s.audienceMembers.ValidateResourceConfig(ctx, req)
	}
	return s.ProviderServer.ValidateResourceConfig(ctx, req)
}

func (s *server) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	if req.TypeName == audiencemembers.TypeName {
		return s.audienceMembers.UpgradeResourceState(ctx, req)
	}
	return s.ProviderServer.UpgradeResourceState(ctx, req)
}

func (s *server) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if req.TypeName == audiencemembers.TypeName {
		return s.audienceMembers.ReadResource(ctx, req)
	}
	return s.ProviderServer.ReadResource(ctx, req)
}

func (s *server) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if req.TypeName == audiencemembers.TypeName {
		return s.audienceMembers.PlanResourceChange(ctx, req)
	}
	return s.ProviderServer.PlanResourceChange(ctx, req)
}

func (s *server) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if req.TypeName == audiencemembers.TypeName {
		return s.audienceMembers.ApplyResourceChange(ctx, req)
	}
	return s.ProviderServer.ApplyResourceChange(ctx, req)
}

func (s *server) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	if req.TypeName == audiencemembers.TypeName {
		return s.membersData.ValidateDataResourceConfig(ctx, req)
	}
	return s.ProviderServer.ValidateDataResourceConfig(ctx, req)
}

func (s *server) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	if req.TypeName == audiencemembers.TypeName {
		return s.membersData.ReadDataSource(ctx, req)
	}
	return s.ProviderServer.ReadDataSource(ctx, req)
}

func (s *server) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	if req.TypeName == audiencemembers.TypeName {
		return s.audienceMembers.ImportResourceState(ctx, req)
	}
	return s.ProviderServer.ImportResourceState(ctx, req)
}

func (s *server) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	if req.TargetTypeName == audiencemembers.TypeName {
		return s.audienceMembers.MoveResourceState(ctx, req)
	}
	return s.ProviderServer.MoveResourceState(ctx, req)
}

func (s *server) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	if req.TypeName == audiencemembers.TypeName {
		return s.audienceMembers.GenerateResourceConfig(ctx, req)
	}
	return s.ProviderServer.GenerateResourceConfig(ctx, req)
}

// privateAfterFailedApply is the private state that a failed apply of the request's resource leaves, for
// recovery.go: knock_audience_members keeps only its owner; the framework keeps the planned private state.
func (s *server) privateAfterFailedApply(req *tfprotov6.ApplyResourceChangeRequest) []byte {
	if req.TypeName == audiencemembers.TypeName {
		return audiencemembers.PrivateAfterFailedApply(req.PlannedPrivate)
	}
	return req.PlannedPrivate
}

// CallFunction gives a null argument that arrives with no data (OpenTofu 1.12 sends null that way) the
// msgpack encoding of null, which terraform-plugin-framework decodes; without data it fails the call with
// "DynamicValue had no JSON or msgpack data set".
func (s *server) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	for i, arg := range req.Arguments {
		if arg == nil || arg.MsgPack == nil && arg.JSON == nil {
			req.Arguments[i] = &tfprotov6.DynamicValue{MsgPack: msgpackNil}
		}
	}
	return s.ProviderServer.CallFunction(ctx, req)
}

// msgpackNil is null in msgpack, whatever its type.
var msgpackNil = []byte{0xc0}

// ValidateListResourceConfig forwards to the framework: the list-resource calls are not part of
// tfprotov6.ProviderServer yet, so embedding does not forward them.
func (s *server) ValidateListResourceConfig(ctx context.Context, req *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	lists, ok := s.ProviderServer.(tfprotov6.ListResourceServer)
	if !ok {
		return nil, errListResourcesUnsupported
	}
	return lists.ValidateListResourceConfig(ctx, req)
}

func (s *server) ListResource(ctx context.Context, req *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	lists, ok := s.ProviderServer.(tfprotov6.ListResourceServer)
	if !ok {
		return nil, errListResourcesUnsupported
	}
	return lists.ListResource(ctx, req)
}

var errListResourcesUnsupported = errors.New("this build of terraform-plugin-framework does not serve list resources")
