// Package knock is a small client for Knock's audience-membership API: add, remove and list the members
// of an audience. It knows nothing of Terraform, so it can be tested and reused on its own.
//
// A [Client] is made by [New] from a [Config] that holds a secret API key (sk_...) of one Knock
// environment, and optionally a base URL and a branch. [Client.AddMembers], [Client.RemoveMembers] and
// [Client.AddMembersCreatingAudience] write memberships in batches of [MaxMembersPerRequest];
// [Client.ListMemberships] and [Client.ListMembers] read an audience page by page. Errors are the shared
// transport's (package knockhttp): an *APIError for an answer Knock gave and a *ConnectionError for a
// request that got no complete answer; [IsNotFound] and knockhttp's predicates sort them for a caller.
//
// # Hardening
//
// Every request goes through knockhttp, which the Management API client shares: no redirects, bounded
// answers, per-attempt deadlines, retries as Knock's SDKs do them (honouring Retry-After-Ms and
// Retry-After), and the key scrubbed from every message; its package documentation says how. On top of
// it this client adds what only the Knock API needs:
//
//   - Bounds on listings: at most [Config.MaxEntryBytes] of one entry of a page, [MaxCursorBytes] of a
//     cursor, [MaxIDLength] of an id, and [Config.MaxListPages] pages and [Config.MaxListEntries] entries
//     of one listing; a cursor that comes back twice stops the listing instead of looping; a 200 that is
//     not a page is an error, not an empty audience.
//   - Pacing under Knock's rate tiers, before every attempt, and a call without deadline gets
//     [Config.OperationTimeout] ([DefaultOperationTimeout]: a listing of a million members).
//   - The checks of a key before any request ([APIKeyProblem]): a service token, a publishable key or a
//     key with a newline is refused with the fix.
//   - Panics in the write workers are recovered as a [*PanicError] instead of ending the process.
//
// # Files
//
//   - client.go: [Config], [Client] and [New], with the defaults and bounds of the configuration, and the
//     transport ([NewTransport]).
//   - validate.go: the checks of what a configuration may hold: [APIKeyProblem] and [BranchProblem].
//   - limiter.go: the pacing of requests per endpoint, at most a rate per second.
//   - errors.go: [IsNotFound] and [PanicError].
//   - members.go: [AudienceMember] and [User], the entries of a listing; the memberships the client adds,
//     removes and lists are the model's [changeset.Membership].
//   - write.go: the write pool: batches ([Batches]) sent by a bounded pool of workers.
//   - list.go: pagination and its checks, [Client.ListMemberships] and [Client.ListMembers], and where an
//     audience's members are.
//   - target.go: [Target], where a client's requests go, which a plan records for its apply.
package knock
