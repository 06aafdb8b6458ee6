// Package audience serves knock_audience, the resource, the data source and the list resource, with
// terraform-plugin-framework, through Knock's Management API (internal/knockmgmt):
//
//   - model.go: the audience's definition as the three see it, and its conversions from and to Knock's;
//   - schema.go: the attributes they share and their descriptions; validators.go: the configuration's rules
//     (operators, arguments, segments per type, commit_message);
//   - environment.go: where a call acts (environment, branch) and when Knock refuses a write (force), and
//     the wording of the Management API's errors;
//   - resource.go (schema, create, read, update, delete, import, identity) and plan.go (the plan's checks);
//   - data_source.go and list_resource.go;
//   - members.go: the plan check of the membership resources on a dynamic audience;
//   - *_test.go: unit tests; *_acc_test.go: acceptance tests with the real CLI, through internal/acctest.
//
// The model of environments, commits and destroy: the provider's environment and branch say where;
// commit, commit_message, force and archive_on_destroy are the resource's, so that each opt-in stands next
// to the audience it concerns. See templates/guides/audiences-as-code.md.tmpl.
package audience
