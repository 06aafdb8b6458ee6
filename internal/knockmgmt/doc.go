// Package knockmgmt is a small client for Knock's Management API (mAPI): the definitions of audiences
// (type, name, description, segments) in an environment, read, listed, upserted, validated and
// archived. It knows nothing of Terraform.
//
// A [Client] is made by [New] from a [Config] that holds a service token (knock_st_...) of the Knock
// account; the environment (and, in development, the branch) is chosen per call by a [Location]. Every
// request goes through the transport the Knock API client shares (package knockhttp): no redirects,
// bounded answers, per-attempt deadlines, retries that honour Retry-After-Ms and Retry-After, and the
// token scrubbed from every error. Errors are knockhttp's *APIError and *ConnectionError; [IsNotFound]
// tells an unknown audience.
//
// # Files
//
//   - client.go: [Config], [Client] and [New], the defaults.
//   - validate.go: [ServiceTokenProblem], the checks of a token before any request.
//   - audience.go: [Definition], [Audience], their segments and conditions, [Operators].
//   - audiences.go: the calls: [Client.GetAudience], [Client.ListAudiences] (paged with limit and
//     after, bounded), [Client.UpsertAudience], [Client.ValidateAudience], [Client.ArchiveAudience].
package knockmgmt
