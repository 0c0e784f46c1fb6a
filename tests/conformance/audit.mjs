// GraphQL-over-HTTP conformance: the graphql-http package's server audits (13 MUST, 23 SHOULD,
// 25 MAY in 1.23.1) against a running Chorus server.
//
// Usage: TOKEN=… node audit.mjs http://127.0.0.1:8080/graphql
//
// /graphql answers 401 without a token, so every audit request carries the bearer token (the
// audits themselves know nothing of auth). Prints each result that is not ok and one summary
// line; exits 1 when a MUST or a SHOULD fails (MAY notices are allowed).
import { auditServer } from 'graphql-http';

const url = process.argv[2] ?? process.env.CHORUS_GRAPHQL_URL;
const token = process.env.TOKEN;
if (!url || !token) {
  console.error('usage: TOKEN=<bearer token> node audit.mjs <graphql url>');
  process.exit(2);
}

/** `fetch` with the bearer token added to whatever headers the audit sets. */
async function fetchWithToken(input, init = {}) {
  const headers = new Headers(input instanceof Request ? input.headers : undefined);
  for (const [name, value] of new Headers(init.headers)) headers.set(name, value);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn: fetchWithToken });
const counts = { ok: 0, error: 0, warn: 0, notice: 0 };
const level = { error: 'MUST', warn: 'SHOULD', notice: 'MAY' };
for (const result of results) {
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  if (result.status === 'ok') continue;
  let detail = '';
  if (result.response) {
    detail = ` [HTTP ${result.response.status} ${result.response.headers.get('content-type') ?? ''}]`;
  }
  console.log(`${level[result.status]} ${result.id} ${result.name}: ${result.reason}${detail}`);
}
console.log(
  `graphql-http audit: ${counts.ok}/${results.length} ok, ${counts.error} MUST failures, ` +
    `${counts.warn} SHOULD failures, ${counts.notice} MAY notices`,
);
process.exit(counts.error || counts.warn ? 1 : 0);
