#!/usr/bin/env bash
# Schema-quality gates on the committed SDL (schema.graphql, which CI checks is exactly what
# `chorus schema` prints), run by .ci/run as `bash tests/conformance/schema.sh`:
#  1. graphql-schema-linter: every type, field, argument, input field and enum value has a
#     description, deprecations give a reason, connections and PageInfo follow the Relay
#     cursor connections spec. No exceptions are configured: fix violations at the source
#     (Rust doc comments / `#[graphql(desc = "…")]`) and regenerate schema.graphql.
#  2. schema-diff.mjs: no breaking change against the last release's SDL
#     (schema.released.graphql) unless the element was deprecated there first. How to cut a
#     new baseline is in that script's header.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

rules=(
  types-have-descriptions
  fields-have-descriptions
  arguments-have-descriptions
  input-object-values-have-descriptions
  enum-values-have-descriptions
  deprecations-have-a-reason
  relay-connection-types-spec
  relay-page-info-spec
)
joined=$(IFS=,; echo "${rules[*]}")

echo "--- graphql-schema-linter ($joined)"
node_modules/.bin/graphql-schema-linter --rules "$joined" "$root/schema.graphql"

echo "--- breaking changes since the released schema"
node schema-diff.mjs "$here/schema.released.graphql" "$root/schema.graphql"
