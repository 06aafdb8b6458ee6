package audiencemembers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// The attribute names that code refers to.
const (
	attrID                = "id"
	attrAudienceKey       = "audience_key"
	attrMembers           = "members"
	attrMembersFile       = "members_file"
	attrMembersFileSHA256 = "members_file_sha256"
	attrDeclaredCount     = "declared_count"
	attrChange            = "change"
	attrDrift             = "drift"
	attrTenant            = "tenant"
	attrAuthoritative     = "authoritative"
	attrCreateAudience    = "create_audience"
	attrOnDestroy         = "on_destroy"
	attrOnExistingMembers = "on_existing_members"
	attrMaxRemovals       = "max_removals"
	attrMaxRemovalPercent = "max_removal_percent"
	attrMembershipCount   = "membership_count"
	attrTimeouts          = "timeouts"
)

var (
	pathAudienceKey = tftypes.NewAttributePath().WithAttributeName(attrAudienceKey)
	pathMembers     = tftypes.NewAttributePath().WithAttributeName(attrMembers)
	pathMembersFile = tftypes.NewAttributePath().WithAttributeName(attrMembersFile)
	pathFileSHA256  = tftypes.NewAttributePath().WithAttributeName(attrMembersFileSHA256)
	pathTenant      = tftypes.NewAttributePath().WithAttributeName(attrTenant)
)

type attributeRole int

const (
	required attributeRole = iota
	// optional attributes are the settings: configuration only, never computed.
	optional
	computed
	// optionalComputed attributes are configured or, when not, computed by the provider.
	optionalComputed
	// block is a nested block (timeouts), optional.
	block
)

// attribute is one entry of the table.
type attribute struct {
	name        string
	typ         tftypes.Type
	role        attributeRole
	replaces    bool // a change replaces the resource
	description string
	// check validates a known, non-null configured value; nil when the type says it all.
	check func(a attribute, v tftypes.Value) []*tfprotov6.Diagnostic
	// set folds the configured value (null or unknown: the default) into the settings; settings only.
	set func(s *membersSettings, v tftypes.Value)
	// nested is the schema of a block.
	nested *tfprotov6.SchemaNestedBlock
}

func (a attribute) path() *tftypes.AttributePath {
	return tftypes.NewAttributePath().WithAttributeName(a.name)
}

// title is the attribute's name in a diagnostic summary: max_removal_percent → Max Removal Percent.
func (a attribute) title() string {
	words := strings.Split(a.name, "_")
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// The attributes of knock_audience_members, in one table: the schema (and so the docs), the object type,
// decoding, encoding, validation, replacement and the settings all follow from it. A new optional setting
// is one entry here (its set folds it into membersSettings) plus the code that uses it; a new computed
// attribute is one entry plus the code that computes it. An attribute an object lacks reads as a typed null.
var attributes = []attribute{
	{
		name: attrID, typ: tftypes.String, role: computed,
		description: "The audience key, or `AUDIENCE_KEY/TENANT` for a resource with `tenant` set: the import id. " +
			"Each part is escaped like a URL path segment (a `/` inside a key or tenant is written `%2F`, a `%` `%25`), " +
			"as `knock_audience_member`'s ids are.",
	},
	{
		name: attrAudienceKey, typ: tftypes.String, role: required, replaces: true, check: checkAudienceKey,
		description: "Key of a static Knock audience that already exists in the environment. Changing it " +
			"replaces the resource: the old audience loses the declared members and the new one gets them.",
	},
	{
		// Validated with the other members (validateMembers) and carried as msgpack (members_codec.go).
		name: attrMembers, typ: membersMapType, role: optional,
		description: "The audience's members (this or `members_file` is required): a map from user id to tenant id, with `null` for a " +
			"membership without tenant. For a list of ids: `{ for id in local.user_ids : id => null }`. " +
			"With `tenant` set, every value must be `null`: each member is under that tenant. " +
			"A map (not a set) keeps plans fast for hundreds of thousands of members. Users that do not exist " +
			"in Knock yet are created with only their id.",
	},
	{
		name: attrMembersFile, typ: tftypes.String, role: optional, check: checkMembersFile,
		description: "Path of a file that holds the audience's members, instead of `members`: for an export of a " +
			"warehouse segment, which at hundreds of thousands of members is cheaper to plan from a file than from a map. " +
			"One user id per line; CSV (a name ending in `.csv`) with a header naming `user_id` and, optionally, `tenant`; or " +
			"JSON lines (`.jsonl`, `.ndjson`) of objects with `user_id` and, optionally, `tenant`. Gzip-compressed files " +
			"(told by their content; a name ending in `.gz` must be one) are read as they are. Each user appears once. Every " +
			"plan reads the file and names the first bad rows by line; the state keeps the file's hash and counts, not " +
			"its members. The apply reads the file again and stops before sending anything if it changed since the plan.",
	},
	{
		name: attrMembersFileSHA256, typ: tftypes.String, role: optionalComputed, check: checkSHA256,
		description: "SHA-256 of `members_file` as stored (compressed or not), in hex: computed by each plan, so that " +
			"a new export shows as a change. Set it to `filesha256(...)` of the same file to have the plan fail when the " +
			"file read is not the one the configuration names.",
	},
	{
		name: attrTenant, typ: tftypes.String, role: optional, replaces: true, check: checkTenant,
		set: func(s *membersSettings, v tftypes.Value) { s.tenant, s.tenantKnown = stringOf(v), v.IsKnown() },
		description: "Own only the memberships under this tenant: the resource is authoritative within that " +
			"slice of the audience and never touches memberships under other tenants or without tenant. " +
			"Use one resource per tenant (`for_each`) to declare a multi-tenant audience; a user can be a " +
			"member under several tenants. Changing it replaces the resource.",
	},
	{
		name: attrAuthoritative, typ: tftypes.Bool, role: optional,
		set: func(s *membersSettings, v tftypes.Value) { s.authoritative = boolOr(v, true) },
		description: "`true` (the default): memberships in the resource's scope that are not declared are " +
			"removed. `false` (managed-only): the resource adds what it declares, removes what it declared " +
			"before and no longer does, and leaves every other membership alone; drift of its own " +
			"memberships still shows in plans.",
	},
	{
		name: attrCreateAudience, typ: tftypes.Bool, role: optional,
		set: func(s *membersSettings, v tftypes.Value) { s.createAudience = boolOr(v, false) },
		description: "Create the audience as a static audience if it does not exist (Knock's " +
			"`create_audience=true` on add). Default `false`: an unknown audience is an error.",
	},
	{
		name: attrOnDestroy, typ: tftypes.String, role: optional, check: oneOf(onDestroyRemove, onDestroyKeep),
		set: func(s *membersSettings, v tftypes.Value) { s.keepOnDestroy = stringOf(v) == onDestroyKeep },
		description: "What destroying the resource does: `remove` (the default) removes the memberships it " +
			"declares; `keep` leaves them in Knock and only forgets them.",
	},
	{
		name: attrOnExistingMembers, typ: tftypes.String, role: optional, check: oneOf(onExistingWarn, onExistingError),
		set: func(s *membersSettings, v tftypes.Value) { s.errorOnExisting = stringOf(v) == onExistingError },
		description: "At create, when the audience (or the tenant's slice of it) already has members that the " +
			"configuration does not declare: `warn` (the default) shows how many, with examples, in the plan; the " +
			"create leaves them, and an authoritative resource's next plan shows their removal. `error` fails the " +
			"plan and shows the import command that adopts the audience instead.",
	},
	{
		name: attrMaxRemovals, typ: tftypes.Number, role: optional, check: checkMaxRemovals,
		set: func(s *membersSettings, v tftypes.Value) {
			if n, ok := knownNumber(v); ok {
				i, _ := n.Int64()
				s.maxRemovals = &i
			}
		},
		description: "Fail the plan (and the apply, before anything is sent) when it would remove more than " +
			"this many memberships: an update, a replacement (a changed `audience_key` or `tenant`) or a destroy. The " +
			"protection against an empty data source or file wiping an audience. To destroy a guarded resource on " +
			"purpose, raise the limit and apply that first, or set `on_destroy = \"keep\"`.",
	},
	{
		name: attrMaxRemovalPercent, typ: tftypes.Number, role: optional, check: checkMaxRemovalPercent,
		set: func(s *membersSettings, v tftypes.Value) {
			if n, ok := knownNumber(v); ok {
				f, _ := n.Float64()
				s.maxRemovalPct = &f
			}
		},
		description: "Like `max_removals`, as a percentage (0 to 100) of the memberships the resource's scope " +
			"holds. With both set, the smaller limit applies.",
	},
	{
		name: attrMembershipCount, typ: tftypes.Number, role: computed,
		description: "Number of memberships in the resource's scope (the whole audience, the tenant's slice, or, " +
			"with `authoritative = false`, the declared memberships that are live), counting every (user, tenant) pair. " +
			"It differs from the number of `members` when a user is a member under several tenants, which " +
			"`members` cannot show; the plan then shows an update that removes the extra memberships, and names them.",
	},
	{
		name: attrDeclaredCount, typ: tftypes.Number, role: computed,
		description: "With `members_file`: the number of memberships the file declares.",
	},
	{
		name: attrChange, typ: changeType, role: computed,
		description: "With `members_file`: the change of the latest plan that changed memberships, which its apply " +
			"made: `add` and `remove` count the memberships, `added` and `removed` name the first " +
			"ten of each. A plan shows it where a `members` map would show its diff.",
	},
	{
		name: attrDrift, typ: driftType, role: computed,
		description: "With `members_file`: what the latest refresh found changed in Knock outside Terraform since " +
			"the latest apply, in the resource's scope: `appeared` and `disappeared` count the memberships, " +
			"`examples` names the first ten. The next plan's `change` reverts it.",
	},
	{
		name: attrTimeouts, typ: timeoutsBlock().ValueType(), role: block, nested: timeoutsBlock(),
		check: func(_ attribute, v tftypes.Value) []*tfprotov6.Diagnostic { return validateTimeouts(v) },
	},
}

// Schema is the resource's schema, from the attribute table.
func Schema() *tfprotov6.Schema {
	markdown := tfprotov6.StringKindMarkdown
	schema := &tfprotov6.Schema{
		Version: 0,
		Block: &tfprotov6.SchemaBlock{
			DescriptionKind: markdown,
			Description: "Declares the memberships of one Knock audience. By default the resource is authoritative: after " +
				"apply the audience holds exactly the configured members, and memberships that are not declared are " +
				"removed. With `tenant` it owns only the memberships under that tenant; with `authoritative = false` it " +
				"owns only the memberships it declares. Each plan reads the audience's live memberships, so changes made " +
				"outside Terraform show as drift.\n\n" +
				"Guard rails: `max_removals` and `max_removal_percent` stop a plan that would remove too many members " +
				"(an empty data source must not wipe an audience), and a create on an audience that already has other " +
				"members warns (or, with `on_existing_members = \"error\"`, fails) before anything is sent.\n\n" +
				"**The plan is the contract.** The apply removes only the memberships its plan showed as removed, by user " +
				"id and tenant (the plan's one-line summary names the ones `members` cannot show, such as a user's membership " +
				"under another tenant), never touches a membership outside the resource's scope, and sends nothing the plan " +
				"did not show when the audience changed after the plan. A create never removes memberships: those already " +
				"in the audience show as removals in the next plan. `max_removals` and `max_removal_percent` also guard " +
				"replacements and destroy. The guide \"Choosing an ownership mode\" has the details.\n\n" +
				"Members are added with their user id only; the provider never changes user properties.",
		},
	}
	for _, a := range attributes {
		if a.role == block {
			schema.Block.BlockTypes = append(schema.Block.BlockTypes, a.nested)
			continue
		}
		schema.Block.Attributes = append(schema.Block.Attributes, &tfprotov6.SchemaAttribute{
			Name: a.name, Type: a.typ, Required: a.role == required, Optional: a.role == optional || a.role == optionalComputed,
			Computed:    a.role == computed || a.role == optionalComputed,
			Description: a.description, DescriptionKind: markdown,
		})
	}
	return schema
}

// checkAttributes validates every known, non-null configured value that has a check.
func checkAttributes(config object) []*tfprotov6.Diagnostic {
	var diags []*tfprotov6.Diagnostic
	for _, a := range attributes {
		if v := config.get(a.name); a.check != nil && v.IsKnown() && !v.IsNull() {
			diags = append(diags, a.check(a, v)...)
		}
	}
	return diags
}

// settings folds the configured settings into membersSettings, with their defaults.
func (o object) settings() membersSettings {
	var s membersSettings
	for _, a := range attributes {
		if a.set != nil {
			a.set(&s, o.get(a.name))
		}
	}
	return s
}

// replacedBy returns the paths of the attributes whose change from prior to planned replaces the resource.
func replacedBy(prior, planned object) []*tftypes.AttributePath {
	var paths []*tftypes.AttributePath
	for _, a := range attributes {
		if a.replaces && !prior.get(a.name).Equal(planned.get(a.name)) {
			paths = append(paths, a.path())
		}
	}
	return paths
}

// configOf is the configuration that declares a value as it is: the computed attributes and blocks null.
func configOf(state object) object {
	for _, a := range attributes {
		if a.role == computed || a.role == optionalComputed || a.role == block {
			state.set(a.name, tftypes.NewValue(a.typ, nil))
		}
	}
	return state
}

func oneOf(allowed ...string) func(attribute, tftypes.Value) []*tfprotov6.Diagnostic {
	return func(a attribute, v tftypes.Value) []*tfprotov6.Diagnostic {
		if slices.Contains(allowed, stringOf(v)) {
			return nil
		}
		return knockdiag.Error("Invalid "+a.title(), fmt.Sprintf("%s is %q; write one of %q.", a.name, stringOf(v), allowed), a.path())
	}
}

func checkAudienceKey(a attribute, v tftypes.Value) []*tfprotov6.Diagnostic {
	key := stringOf(v)
	if key == "" {
		return knockdiag.Error("Invalid Audience Key",
			`audience_key is "" (empty). Set it to the key of a static Knock audience, as shown in the Knock dashboard under Audiences.`, a.path())
	}
	if problem := knockdiag.IDProblem(key); problem != "" {
		return knockdiag.Error("Invalid Audience Key",
			fmt.Sprintf("audience_key is %q, which %s. Write the key exactly as the Knock dashboard shows it under Audiences.", key, problem), a.path())
	}
	return nil
}

func checkTenant(a attribute, v tftypes.Value) []*tfprotov6.Diagnostic {
	tenant := stringOf(v)
	if tenant == "" {
		return knockdiag.Error("Invalid Tenant",
			`tenant is "" (empty). Set it to a tenant id, or remove it to manage the whole audience.`, a.path())
	}
	if problem := knockdiag.IDProblem(tenant); problem != "" {
		return knockdiag.Error("Invalid Tenant",
			fmt.Sprintf("tenant is %q, which %s. Write the tenant id exactly as Knock knows it.", tenant, problem), a.path())
	}
	return nil
}

func checkMaxRemovals(a attribute, v tftypes.Value) []*tfprotov6.Diagnostic {
	if n, ok := knownNumber(v); ok && (n.Sign() < 0 || !n.IsInt()) {
		return knockdiag.Error("Invalid "+a.title(),
			fmt.Sprintf("max_removals is %s; write a whole number of memberships, 0 or more (0: never remove).", n.Text('g', 10)), a.path())
	}
	return nil
}

func checkMaxRemovalPercent(a attribute, v tftypes.Value) []*tfprotov6.Diagnostic {
	if n, ok := knownNumber(v); ok {
		if f, _ := n.Float64(); f < 0 || f > 100 {
			return knockdiag.Error("Invalid "+a.title(), fmt.Sprintf("max_removal_percent is %g; write a percentage from 0 to 100.", f), a.path())
		}
	}
	return nil
}

func checkMembersFile(a attribute, v tftypes.Value) []*tfprotov6.Diagnostic {
	if strings.TrimSpace(stringOf(v)) == "" {
		return knockdiag.Error("Invalid Members File",
			`members_file is "" (empty). Set it to the path of the export file, for example "${path.module}/segment.csv.gz", or remove it and declare members.`, a.path())
	}
	return nil
}

func checkSHA256(a attribute, v tftypes.Value) []*tfprotov6.Diagnostic {
	sum := stringOf(v)
	if len(sum) != 64 || strings.Trim(strings.ToLower(sum), "0123456789abcdef") != "" {
		return knockdiag.Error("Invalid Members File SHA-256",
			fmt.Sprintf("members_file_sha256 is %q; write 64 hexadecimal digits, as filesha256(\"...\") of the members file returns, or remove it to let the plan compute it.", sum), a.path())
	}
	return nil
}
