/**
 * Reads the facts the inspection rules decide on from blue's catalog: one connection through
 * `connectPostgres`, one read-only REPEATABLE READ transaction (a consistent snapshot that can write
 * nothing), one query per fact family. Every query reads catalogs and statistics only, so it is quick
 * on thousands of tables and needs no more than the master user's rds_superuser rights.
 */

import type { BinlogCatalogFacts } from '../domain/binlog-inspection.ts';
import type { InspectionSummary } from '../domain/inspection/index.ts';
import { type PgRelation, POSTGRES_SETTINGS, type PostgresFacts } from '../domain/inspection/postgres.ts';
import { readBinlogInspection } from './mysql-database.ts';
import type { ParameterReader } from './parameters.ts';
import { connectPostgres, type PgEndpoint } from './pg-connection.ts';

export interface InspectionTarget {
  host: string;
  port: number;
  name: string;
  user: string;
  passwordParameter: string;
}

export interface BinlogInspection {
  facts: BinlogCatalogFacts;
  summary: InspectionSummary;
  durationMs: number;
}

export interface PostgresInspection {
  facts: PostgresFacts;
  summary: InspectionSummary;
  durationMs: number;
}

/** Schemas that hold no user data. */
const SYSTEM_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'`;
/** Objects created by CREATE EXTENSION belong to the extension, not to the user's schema. */
const NOT_EXTENSION_MEMBER = `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

const QUERIES = {
  // Sizes (pg_total_relation_size stats every file of a relation: half a second on 2,000 tables) are
  // read only for the relations a rule may name: unlogged tables, materialized views, and tables with
  // no usable replica identity. The others are counted, never listed.
  relations: `
    SELECT r.*,
           CASE WHEN r.kind = 'm' OR r.persistence = 'u'
                  OR NOT (r.identity = 'f' OR (r.identity = 'd' AND r.has_pk) OR (r.identity = 'i' AND r.has_identity_index))
                THEN pg_total_relation_size(r.oid)::float8 END AS bytes
      FROM (
        SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.relpersistence AS persistence,
               c.relreplident AS identity,
               EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk,
               EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident) AS has_identity_index,
               CASE WHEN c.reltuples >= 0 THEN c.reltuples::float8 ELSE s.n_live_tup::float8 END AS rows
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
         WHERE c.relkind IN ('r', 'p', 'm') AND c.relpersistence IN ('p', 'u')
           AND ${SYSTEM_SCHEMAS} AND ${NOT_EXTENSION_MEMBER}
      ) r
     ORDER BY r.schema, r.name`,
  largeObjects: `
    SELECT (SELECT count(*) FROM pg_largeobject_metadata)::float8 AS count,
           pg_relation_size('pg_catalog.pg_largeobject')::float8 AS bytes`,
  extensions: `SELECT extname AS name, extversion AS version FROM pg_extension ORDER BY 1`,
  settings: `SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])`,
  replication: `
    SELECT json_build_object(
      'publications', (SELECT coalesce(json_agg(json_build_object('name', pubname, 'allTables', puballtables) ORDER BY pubname), '[]') FROM pg_publication),
      'subscriptions', (SELECT coalesce(json_agg(json_build_object('name', s.subname, 'enabled', s.subenabled) ORDER BY s.subname), '[]')
                          FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = current_database()),
      'slots', (SELECT coalesce(json_agg(json_build_object('name', slot_name, 'type', slot_type, 'database', database, 'active', active,
                   'retainedBytes', CASE WHEN restart_lsn IS NULL THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) END) ORDER BY slot_name), '[]')
                  FROM pg_replication_slots),
      'walSenders', (SELECT count(*) FROM pg_stat_replication)
    ) AS facts`,
  databases: `
    SELECT d.datname AS name, pg_database_size(d.oid)::float8 AS bytes
      FROM pg_database d
     WHERE d.datallowconn AND NOT d.datistemplate AND d.datname <> 'rdsadmin'
     ORDER BY 1`,
  readOnlyOverrides: `
    SELECT r.rolname AS role, d.datname AS database, split_part(cfg, '=', 2) AS value
      FROM pg_db_role_setting s
      LEFT JOIN pg_roles r ON r.oid = s.setrole
      LEFT JOIN pg_database d ON d.oid = s.setdatabase
      CROSS JOIN LATERAL unnest(s.setconfig) AS cfg
     WHERE cfg LIKE 'default_transaction_read_only=%'
     ORDER BY 1, 2`,
  foreignServers: `
    SELECT s.srvname AS name, w.fdwname AS wrapper,
           (SELECT split_part(o, '=', 2) FROM unnest(s.srvoptions) AS o WHERE o LIKE 'host=%' LIMIT 1) AS host
      FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
     ORDER BY 1`,
  activity: `
    SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'S' AND ${SYSTEM_SCHEMAS})::int AS sequences,
           (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS connections,
           pg_database_size(current_database())::float8 AS database_bytes,
           current_setting('server_version') AS server_version,
           (SELECT json_build_object('seconds', extract(epoch FROM now() - xact_start)::float8, 'pid', pid,
                                     'user', coalesce(usename, ''), 'state', coalesce(state, ''))
              FROM pg_stat_activity
             WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() AND backend_type = 'client backend'
             ORDER BY xact_start LIMIT 1) AS longest`,
} as const;

type Row = Record<string, unknown>;

const toRelation = (r: Row): PgRelation => ({
  schema: String(r.schema),
  name: String(r.name),
  kind: r.kind as PgRelation['kind'],
  persistence: r.persistence as PgRelation['persistence'],
  replicaIdentity: r.identity as PgRelation['replicaIdentity'],
  hasPrimaryKey: r.has_pk === true,
  hasIdentityIndex: r.has_identity_index === true,
  rows: r.rows === null ? null : Math.round(Number(r.rows)),
  bytes: r.bytes === null ? null : Number(r.bytes),
});

/** Reads every fact family over one open client; nothing here writes. */
export const readPostgresFacts = async (
  client: Awaited<ReturnType<typeof connectPostgres>>,
): Promise<Omit<PostgresInspection, 'durationMs'>> => {
  await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const q = async (sql: string, params: unknown[] = []): Promise<Row[]> =>
      (await client.query(sql, params)).rows as Row[];
    const relations = (await q(QUERIES.relations)).map(toRelation);
    const [lo] = await q(QUERIES.largeObjects);
    const extensions = (await q(QUERIES.extensions)).map((r) => ({
      name: String(r.name),
      version: String(r.version),
    }));
    const settings = Object.fromEntries(
      (await q(QUERIES.settings, [[...POSTGRES_SETTINGS]])).map((r) => [String(r.name), String(r.setting)]),
    );
    const [replication] = await q(QUERIES.replication);
    const repl = replication?.facts as Pick<
      PostgresFacts,
      'publications' | 'subscriptions' | 'slots' | 'walSenders'
    >;
    const databases = (await q(QUERIES.databases)).map((r) => ({
      name: String(r.name),
      bytes: Number(r.bytes),
    }));
    const readOnlyOverrides = (await q(QUERIES.readOnlyOverrides)).map((r) => ({
      role: r.role === null ? null : String(r.role),
      database: r.database === null ? null : String(r.database),
      value: String(r.value),
    }));
    const foreignServers = (await q(QUERIES.foreignServers)).map((r) => ({
      name: String(r.name),
      wrapper: String(r.wrapper),
      host: r.host === null ? null : String(r.host),
    }));
    const [activity] = await q(QUERIES.activity);
    const longest = activity?.longest as PostgresFacts['longestTransaction'];
    const [db] = await q('SELECT current_database() AS name');
    const facts: PostgresFacts = {
      serverVersion: String(activity?.server_version),
      database: String(db?.name),
      relations,
      largeObjects: { count: Number(lo?.count ?? 0), bytes: Number(lo?.bytes ?? 0) },
      extensions,
      settings,
      publications: repl.publications,
      subscriptions: repl.subscriptions,
      slots: repl.slots.map((s) => ({
        ...s,
        retainedBytes: s.retainedBytes === null ? null : Number(s.retainedBytes),
      })),
      walSenders: Number(repl.walSenders),
      databases,
      readOnlyOverrides,
      foreignServers,
      sequences: Number(activity?.sequences ?? 0),
      connections: Number(activity?.connections ?? 0),
      longestTransaction: longest ?? null,
      databaseBytes: Number(activity?.database_bytes ?? 0),
    };
    const summary: InspectionSummary = {
      serverVersion: facts.serverVersion,
      databaseBytes: facts.databaseBytes,
      tables: relations.filter((r) => r.kind !== 'm').length,
      sequences: facts.sequences,
      connections: facts.connections,
      longestTransactionSeconds: Math.round(longest?.seconds ?? 0),
      databases: databases.map((d) => d.name),
    };
    return { facts, summary };
  } finally {
    await client.query('COMMIT').catch(() => undefined);
  }
};

export const makeInspectionGateway = (readParameter: ParameterReader) => ({
  /** Connects to blue (password from SSM), reads the facts, disconnects. Throws when it cannot connect. */
  async inspectPostgres(target: InspectionTarget): Promise<PostgresInspection> {
    const started = Date.now();
    const password = await readParameter(target.passwordParameter);
    const endpoint: PgEndpoint = {
      host: target.host,
      port: target.port,
      database: target.name,
      user: target.user,
      password,
    };
    const client = await connectPostgres(endpoint, { applicationName: 'switchyard-inspection' });
    try {
      const read = await readPostgresFacts(client);
      return { ...read, durationMs: Date.now() - started };
    } finally {
      await client.end().catch(() => undefined);
    }
  },

  /** MySQL/MariaDB: the same through `connectMysql` (information_schema; see mysql-database.ts). */
  async inspectMysql(target: InspectionTarget, engine: 'mysql' | 'mariadb'): Promise<BinlogInspection> {
    const started = Date.now();
    const password = await readParameter(target.passwordParameter);
    const endpoint = {
      host: target.host,
      port: target.port,
      database: target.name,
      user: target.user,
      password,
    };
    const read = await readBinlogInspection(endpoint, engine);
    return { ...read, durationMs: Date.now() - started };
  },
});

export type InspectionGateway = ReturnType<typeof makeInspectionGateway>;
