// Package knock is a small client for Knock's audience-membership API: add, remove and list the members
// of an audience. It knows nothing of Terraform, so it can be tested and reused on its own.
//
// A [Client] is made by [New] from a [Config] that holds a secret API key (sk_...) of one Knock
// environment, and optionally a base URL and a branch. [Client.AddMembers], [Client.RemoveMembers] and
// [Client.AddMembersCreatingAudience] write memberships in batches of [MaxMembersPerRequest];
// [Client.ListMemberships] and [Client.ListMembers] read an audience page by page. Errors are an
// [*APIError] for an answer Knock gave and a [*ConnectionError] for a request that got no complete answer;
// [IsNotFound], [IsUnauthorized], [IsUnreachable] and [IsSchemeMismatch] sort them for a caller.
//
// # Hardening
//
// The client treats the network and the server as untrusted, so that a wrong base URL, a proxy or a
// misbehaving API cannot leak the key, hang a run or exhaust memory:
//
//   - No redirects: the client never follows one. A redirect would turn an add or remove into a GET that
//     "succeeds", and could send the key elsewhere; a 3xx is an error that names its Location. Plain
//     http:// is accepted only for a loopback IP address, since the key travels in a header.
//   - Bounded answers: at most [Config.MaxAnswerBytes] of one answer, [Config.MaxEntryBytes] of one entry of
//     a page, 64 KiB of headers and of an error body, [MaxCursorBytes] of a cursor, [MaxIDLength] of an id,
//     and [Config.MaxListPages] pages and [Config.MaxListEntries] entries of one listing; a cursor that
//     comes back twice stops the listing instead of looping.
//   - Deadlines per attempt: each attempt must get its answer's headers within [Config.AnswerTimeout] and
//     may not pause for longer than [Config.IdleTimeout] while reading the body; a stalled attempt is
//     abandoned and retried. A call whose context has no deadline gets [Config.OperationTimeout].
//   - Retries as Knock's SDKs do them: connection errors, 408, 409, 429 and 5xx are retried up to
//     [Config.MaxRetries] times, after the wait Knock asks in Retry-After-Ms or Retry-After (at most 60 s),
//     else after an exponential backoff with jitter; no retry starts that would pass the call's deadline.
//     A host that cannot be reached is retried only [Config.ConnectRetries] times, briefly, and a TLS
//     handshake that cannot succeed is not retried at all. Requests are paced under Knock's rate tiers.
//   - The key scrubbed from every message: whatever comes from outside the client (an answer body, a
//     header, a transport error, a base URL that fails to parse) has the key replaced by "[REDACTED]" before
//     it reaches an error, which ends up in a diagnostic or a log.
//   - Panics in the write workers are recovered as a [*PanicError] instead of ending the process.
//
// # Files
//
//   - client.go: [Config], [Client] and [New], with the defaults and bounds of the configuration.
//   - validate.go: the checks of what a configuration and an audience key may hold: [APIKeyProblem],
//     [BranchProblem], [DotSegment] and the base URL.
//   - request.go: the transport ([NewTransport]), do (one call: pacing, attempts, retries) and attempt (one
//     request: its deadlines, the caps on its answer, decoding).
//   - retry.go: the retry policy: what is retried, and how long to wait before the next attempt.
//   - limiter.go: the pacing of requests per endpoint, at most a rate per second.
//   - redact.go: removing the key from text that comes from outside the client.
//   - errors.go: [APIError], [ConnectionError], [PanicError] and the predicates on errors.
//   - members.go: [AudienceMember] and [User], the entries of a listing; the memberships the client adds,
//     removes and lists are the model's [changeset.Membership].
//   - write.go: the write pool: batches ([Batches]) sent by a bounded pool of workers.
//   - list.go: pagination and its checks, [Client.ListMemberships] and [Client.ListMembers].
//   - target.go: [Target], where a client's requests go, which a plan records for its apply.
package knock
