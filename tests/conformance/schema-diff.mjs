// Breaking-change gate: compares the released schema with the current one.
//
//   node tests/conformance/schema-diff.mjs [BASELINE] [CURRENT]
//
// BASELINE defaults to tests/conformance/schema.released.graphql (the SDL of the last
// release), CURRENT to schema.graphql at the repository root. Every change is printed with
// its criticality (BREAKING, DANGEROUS, NON_BREAKING) as @graphql-inspector/core grades it.
// Exit 1 when any BREAKING change touches an element (field, argument, input field, enum
// value) that was not already `@deprecated` in the baseline: clients were never warned about
// it. Removing or changing something the baseline deprecated is allowed (reported as such).
// Exit 2 when a schema cannot be read or built.
//
// Cutting a new release baseline (after the release has landed and passed CI):
//   git show <release commit>:schema.graphql > tests/conformance/schema.released.graphql
//   (or `cargo run -q -p chorus-api -- schema > tests/conformance/schema.released.graphql`
//   on the release commit), commit it with the release, and say in the commit which commit
//   it was cut from. The baseline only moves forward: never regenerate it to silence this
//   gate; deprecate first (`#[graphql(deprecation = "…")]`), release, remove later.
// The current baseline was cut from f43019c, the last commit that passed CI and landed.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
} from 'graphql';
import { diff } from '@graphql-inspector/core';

const here = dirname(fileURLToPath(import.meta.url));
const baselinePath = resolve(process.argv[2] ?? resolve(here, 'schema.released.graphql'));
const currentPath = resolve(process.argv[3] ?? resolve(here, '../../schema.graphql'));

function load(path) {
  try {
    return buildSchema(readFileSync(path, 'utf8'));
  } catch (e) {
    console.error(`cannot build a schema from ${path}: ${e.message}`);
    process.exit(2);
  }
}

const baseline = load(baselinePath);
const current = load(currentPath);

// The deprecation reason of the element at `path` (`Type.field.arg`, `Type.inputField`,
// `Enum.VALUE`) or of any element containing it, in the baseline; null when none was.
function deprecatedInBaseline(path) {
  if (!path) return null;
  const [typeName, member, arg] = path.split('.');
  const type = baseline.getType(typeName);
  if (!type || member === undefined) return null;
  if (isEnumType(type)) {
    return type.getValue(member)?.deprecationReason ?? null;
  }
  if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
    const field = type.getFields()[member];
    if (!field) return null;
    if (field.deprecationReason) return field.deprecationReason;
    if (arg !== undefined && field.args) {
      return field.args.find((a) => a.name === arg)?.deprecationReason ?? null;
    }
  }
  return null;
}

const changes = await diff(baseline, current);
const order = { BREAKING: 0, DANGEROUS: 1, NON_BREAKING: 2 };
changes.sort(
  (a, b) =>
    order[a.criticality.level] - order[b.criticality.level] ||
    String(a.path ?? '').localeCompare(String(b.path ?? '')),
);

let unannounced = 0;
const counts = { BREAKING: 0, DANGEROUS: 0, NON_BREAKING: 0 };
for (const change of changes) {
  const level = change.criticality.level;
  counts[level] = (counts[level] ?? 0) + 1;
  let note = '';
  if (level === 'BREAKING') {
    const reason = deprecatedInBaseline(change.path);
    if (reason !== null) {
      note = ` (allowed: deprecated in the baseline: ${reason})`;
    } else {
      unannounced += 1;
      note = ' (NOT deprecated in the baseline)';
    }
  }
  const why = change.criticality.reason ? ` — ${change.criticality.reason}` : '';
  console.log(`${level.padEnd(12)} ${change.type} ${change.path ?? ''}: ${change.message}${note}${why}`);
}

console.log(
  `\n${changes.length} changes from ${baselinePath} to ${currentPath}: ` +
    `${counts.BREAKING} breaking (${unannounced} not deprecated first), ` +
    `${counts.DANGEROUS} dangerous, ${counts.NON_BREAKING} non-breaking`,
);
if (unannounced > 0) {
  console.error(
    `${unannounced} breaking change(s) to elements that were not deprecated in the released ` +
      'schema: deprecate first, release, then remove (see the header of this script).',
  );
  process.exit(1);
}
