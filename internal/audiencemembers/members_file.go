package audiencemembers

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/membersfile"
)

// A resource with members_file works as one with members does, on the same object: its Members hold what
// the file declares (planned values) or what its state stands for (prior values), and only the encoding
// differs: members stays null in what Terraform sees, and the state's memberships travel in private state,
// gzip-compressed (membersPrivate.Members), so that Terraform's graph, plan and state never hold a
// million elements. Everything else, ownership, guard rails, claims and the plan contract, is shared.

// maxNamedInChange is how many memberships change and drift name, each way.
const maxNamedInChange = 10

var (
	namesType  = tftypes.List{ElementType: tftypes.String}
	changeType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"add": tftypes.Number, "remove": tftypes.Number, "added": namesType, "removed": namesType,
	}}
	driftType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"appeared": tftypes.Number, "disappeared": tftypes.Number, "examples": namesType,
	}}
)

// fromFile reports whether the object takes its members from a file.
func (o object) fromFile() bool { return !o.get(attrMembersFile).IsNull() }

// readMembersFile fills planned.Members from its members_file, checked against configuredSHA256 (the
// configuration's members_file_sha256, null when unset), and sets members_file_sha256 and declared_count.
// A file known only at apply leaves members unknown: Terraform plans again then.
func (r *Resource) readMembersFile(planned *object, configuredSHA256 tftypes.Value) []*tfprotov6.Diagnostic {
	path := planned.get(attrMembersFile)
	if !path.IsKnown() {
		planned.Members = unknownMembers
		planned.set(attrMembersFileSHA256, tftypes.NewValue(tftypes.String, tftypes.UnknownValue))
		planned.set(attrDeclaredCount, tftypes.NewValue(tftypes.Number, tftypes.UnknownValue))
		return nil
	}
	file, diags := r.loadMembersFile(stringOf(path), planned.settings())
	if diags != nil {
		return diags
	}
	if want := stringOf(configuredSHA256); want != "" && !equalFold(want, file.sha256) {
		return knockdiag.Error("Members File Does Not Match Its Hash",
			fmt.Sprintf("members_file %q has the SHA-256 %s, but members_file_sha256 is %s: the file read is not the one the "+
				"configuration names. Nothing was sent to Knock. Check that the export finished writing, or update "+
				"members_file_sha256 (filesha256(%q) follows the file).", stringOf(path), file.sha256, want, stringOf(path)), pathFileSHA256)
	}
	planned.Members = file.members
	planned.set(attrMembersFileSHA256, stringValue(file.sha256))
	planned.set(attrDeclaredCount, countValue(file.count))
	return nil
}

// rereadMembersFile fills planned.Members at apply from the file its plan read, and stops when the file
// changed since.
func (r *Resource) rereadMembersFile(planned *object) []*tfprotov6.Diagnostic {
	path := stringOf(planned.get(attrMembersFile))
	file, diags := r.loadMembersFile(path, planned.settings())
	if diags != nil {
		return diags
	}
	if want := stringOf(planned.get(attrMembersFileSHA256)); !equalFold(want, file.sha256) {
		return knockdiag.Error("Members File Changed Since Plan",
			fmt.Sprintf("members_file %q has the SHA-256 %s now, but the plan read it with the SHA-256 %s: the file changed "+
				"between the plan and this apply. Nothing was sent to Knock. Run terraform plan again to review the new "+
				"export, or write the export to a new path before planning.", path, file.sha256, want), pathMembersFile)
	}
	planned.Members = file.members
	return nil
}

// loadedFile is a members file as a resource uses it: its members as the members attribute would hold
// them, for the resource's tenant.
type loadedFile struct {
	sha256, tenant string
	members        membersAttr
	count          int
}

// loadMembersFile reads a members file for a resource with settings: a row's tenant must be the
// resource's own tenant, or none, when it has one. Terraform plans a change again at apply, and the apply
// reads the file once more, in one process: the file's bytes are read each time, and parsed again only
// when they differ from the last ones read at that path.
func (r *Resource) loadMembersFile(path string, settings membersSettings) (loadedFile, []*tfprotov6.Diagnostic) {
	invalid := func(err error) (loadedFile, []*tfprotov6.Diagnostic) {
		return loadedFile{}, knockdiag.Error("Invalid Members File", fmt.Sprintf("members_file %q cannot be used: %s.", path, err), pathMembersFile)
	}
	data, err := os.ReadFile(path) //nolint:gosec // the path is the configuration's: reading it is the point
	if err != nil {
		return invalid(err)
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	if last, ok := r.files.Load(path); ok {
		if last := last.(loadedFile); last.sha256 == digest && last.tenant == settings.tenant { //nolint:forcetypeassert // only loadedFile is stored
			return last, nil
		}
	}
	file, err := membersfile.Parse(bytes.NewReader(data), path)
	if err != nil {
		return invalid(err)
	}
	if settings.tenant != "" {
		for i, m := range file.Members {
			switch m.Tenant {
			case "", settings.tenant:
				file.Members[i].Tenant = ""
			default:
				return loadedFile{}, knockdiag.Error("Member Tenant Set Twice",
					fmt.Sprintf("This resource has tenant = %q, so every member of members_file %q is under that tenant, but the "+
						"file declares %s. Leave the tenant column empty (or %q), or declare that tenant's memberships in its own "+
						"resource.", settings.tenant, path, m, settings.tenant), pathMembersFile)
			}
		}
	}
	loaded := loadedFile{sha256: file.SHA256, tenant: settings.tenant, members: membersOfList(file.Members), count: len(file.Members)}
	r.files.Store(path, loaded)
	return loaded, nil
}

func equalFold(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }

// compressMembers is members as private state keeps them: gzip of their msgpack, which Terraform carries
// base64-encoded in JSON.
func compressMembers(members membersAttr) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = zw.Write(members.msgpack)
	_ = zw.Close()
	return buf.Bytes()
}

func decompressMembers(data []byte) (membersAttr, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return membersAttr{}, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return membersAttr{}, err
	}
	return membersAttr{msgpack: raw}, nil
}

// errNoMembersSnapshot: a state from members_file whose private state lost its members, which only
// another tool editing the state makes.
var errNoMembersSnapshot = errors.New("the private state that holds the memberships of a resource with members_file is missing; " +
	"remove the resource from state (terraform state rm) and import the audience again")

// restoreMembers fills the Members of a prior state from members_file with what its state stands for:
// the memberships the latest apply left, with what a refresh found changed since.
func (p membersPrivate) restoreMembers(prior *object) error {
	if !prior.fromFile() {
		return nil
	}
	applied, err := p.appliedMembers()
	if err != nil || p.Drift == nil {
		prior.Members = applied
		return err
	}
	list, err := applied.list()
	if err != nil {
		return err
	}
	list = changeset.Minus(list, p.Drift.Disappeared.memberships())
	list, err = sortedByUser(append(list, p.Drift.Appeared.memberships()...))
	prior.Members = membersOfList(list)
	return err
}

// appliedMembers are the memberships the latest apply left, as private state keeps them.
func (p membersPrivate) appliedMembers() (membersAttr, error) {
	if p.Members == nil {
		return nullMembers, errNoMembersSnapshot
	}
	return decompressMembers(p.Members)
}

// withMembersOf keeps state's memberships in private state when state takes its members from a file.
func (p membersPrivate) withMembersOf(state object) membersPrivate {
	p.Members, p.Drift = nil, nil
	if state.fromFile() {
		p.Members = compressMembers(state.Members)
	}
	return p
}

// memberDrift is what a refresh found changed since the latest apply.
type memberDrift struct {
	Appeared    pairs `json:"appeared,omitempty"`
	Disappeared pairs `json:"disappeared,omitempty"`
}

func (d *memberDrift) value() tftypes.Value {
	var appeared, disappeared []changeset.Membership
	if d != nil {
		appeared, disappeared = d.Appeared.memberships(), d.Disappeared.memberships()
	}
	examples := append(appeared[:min(len(appeared), maxNamedInChange):min(len(appeared), maxNamedInChange)], disappeared[:min(len(disappeared), maxNamedInChange)]...)
	return tftypes.NewValue(driftType, map[string]tftypes.Value{
		"appeared": countValue(len(appeared)), "disappeared": countValue(len(disappeared)), "examples": namesValue(examples),
	})
}

// changeValue is a change as the change attribute shows it.
func changeValue(c changeset.Change) tftypes.Value {
	return tftypes.NewValue(changeType, map[string]tftypes.Value{
		"add": countValue(len(c.Add)), "remove": countValue(len(c.Remove)),
		"added": namesValue(c.Add[:min(len(c.Add), maxNamedInChange)]), "removed": namesValue(c.Remove[:min(len(c.Remove), maxNamedInChange)]),
	})
}

func namesValue(ms []changeset.Membership) tftypes.Value {
	names := make([]tftypes.Value, len(ms))
	for i, m := range ms {
		names[i] = stringValue(m.String())
	}
	return tftypes.NewValue(namesType, names)
}
