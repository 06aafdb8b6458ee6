// Package knockhttp is the hardened HTTP transport that the clients of Knock's APIs share: the Knock API
// client (package knock, secret keys) and the Management API client (package knockmgmt, service tokens).
// It knows nothing of Terraform, nor of either API's endpoints.
//
// A [Client] is made by [New] from a [Config] that holds the base URL, the secret sent as the bearer
// token and the retry and deadline settings; [Client.Do] sends one request. Errors are an [*APIError] for
// an answer the API gave and a [*ConnectionError] for a request that got no complete answer;
// [IsNotFound], [IsUnauthorized], [IsUnreachable] and [IsSchemeMismatch] sort them for a caller.
//
// # Hardening
//
// The transport treats the network and the server as untrusted, so that a wrong base URL, a proxy or a
// misbehaving API cannot leak the secret, hang a run or exhaust memory:
//
//   - No redirects: the client never follows one. A redirect would turn a write into a GET that
//     "succeeds", and could send the secret elsewhere; a 3xx is an error that names its Location. Plain
//     http:// is accepted only for a loopback IP address, since the secret travels in a header
//     ([ParseBaseURL]).
//   - Bounded answers: at most [Config.MaxAnswerBytes] of one answer, 64 KiB of headers and of an error
//     body; an answer that implements [CheckedAnswer] checks its own shape.
//   - Deadlines per attempt: each attempt must get its answer's headers within [Config.AnswerTimeout] and
//     may not pause for longer than [Config.IdleTimeout] while reading the body; a stalled attempt is
//     abandoned and retried. A call whose context has no deadline gets [Config.OperationTimeout]
//     ([Client.WithDeadline]).
//   - Retries as Knock's SDKs do them: connection errors, 408, 409, 429 and 5xx are retried up to
//     [Config.MaxRetries] times, after the wait Knock asks in Retry-After-Ms or Retry-After (at most 60 s),
//     else after an exponential backoff with jitter; no retry starts that would pass the call's deadline.
//     A host that cannot be reached is retried only [Config.ConnectRetries] times, briefly, and a TLS
//     handshake that cannot succeed is not retried at all. [Config.Pace] paces the attempts.
//   - The secret scrubbed from every message: whatever comes from outside the client (an answer body, a
//     header, a transport error, a base URL that fails to parse) has the secret replaced by [Redacted]
//     before it reaches an error, which ends up in a diagnostic or a log.
//
// # Files
//
//   - client.go: [Config], [API], [Client] and [New], the defaults, [NewTransport].
//   - baseurl.go: [ParseBaseURL] (https, or http to a loopback IP) and [DotSegment].
//   - request.go: [Client.Do] (one call: pacing, attempts, retries) and attempt (one request: its
//     deadlines, the caps on its answer, decoding).
//   - retry.go: the retry policy: what is retried, and how long to wait before the next attempt.
//   - redact.go: removing the secret from text that comes from outside the client.
//   - secret.go: the prefixes of Knock's credentials and [SecretProblem], what keeps a secret out of a
//     header.
//   - cursors.go: [Cursors], which stops a listing whose cursor comes back.
//   - errors.go: [APIError], [FieldError], [ConnectionError] and the predicates on errors.
package knockhttp
