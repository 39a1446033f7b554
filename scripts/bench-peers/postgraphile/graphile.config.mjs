// PostGraphile 5.1.5 as the peer of lifecircle in scripts/bench-peers: the Amber preset (v5's
// recommended default), the pg adaptor and postgraphile-plugin-connection-filter (range filters:
// Q2's lat/lng box, Q3's startsAt >= $from). PgIndexBehaviorsPlugin is disabled so that columns
// without an index of their own (e.g. a foreign key covered only by a composite index) can still
// be used in condition/filter, the v5 form of v4's ignoreIndexes. The run script copies this file
// next to node_modules in .cache/postgraphile and sets DATABASE_URL, PG_POOL_MAX, PG_PORT_HTTP.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      // node-postgres pool; the run script sets it to lifecircle's -db-max-open.
      poolConfig: { max: Number(process.env.PG_POOL_MAX ?? 20) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PG_PORT_HTTP ?? 5679),
    graphqlPath: "/graphql",
    graphiql: false,
    watch: false,
  },
  grafast: { explain: false },
};

export default preset;
