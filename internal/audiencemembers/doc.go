// Package audiencemembers serves knock_audience_members, the resource and the data source, at the
// plugin-protocol level (terraform-plugin-go), for the reason resource.go gives; the provider's server
// routes their calls here. Everything about them is in this directory:
//
//   - attributes.go: the resource's attributes, one table from which the schema, decoding, encoding,
//     validation, replacement and the settings follow;
//   - object.go: the object as it crosses the protocol; members_codec.go: members kept as msgpack and
//     decoded in one pass; upgrade.go: the state upgrade, reading members from Terraform's JSON;
//     members_file.go: members from an export file (members_file), kept in private state;
//   - resource.go (validate, upgrade, move, generated configuration), plan.go, apply.go (apply, read,
//     import), identity.go, private.go (what the plan hands the apply), settings.go (ownership and guard
//     rails), claims.go (what the resource declares, for claims.Registry), timeouts.go;
//   - data_source.go: the data source;
//   - *_test.go: unit tests in this package; *_acc_test.go and soak_test.go: acceptance tests (package
//     audiencemembers_test) with the real CLI, through internal/acctest.
//
// The ownership model itself, scopes and change sets, is pure and lives in internal/changeset.
package audiencemembers
