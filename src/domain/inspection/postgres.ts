/**
 * RDS for PostgreSQL inspection rules: the facts Preflight reads from blue's catalog, and the rule
 * table over them. Each rule cites the page its fact comes from; severities are per replication path
 * (physical for a same-major change, logical for a major-version upgrade).
 */
import type { FoundObject, InspectionRule } from './types.ts';

const CONSIDERATIONS =
  'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/blue-green-deployments-considerations.html';
const LOGICAL_LIMITS = `${CONSIDERATIONS}#blue-green-deployments-limitations-postgres-logical`;
const PHYSICAL_LIMITS = `${CONSIDERATIONS}#blue-green-deployments-limitations-postgres-physical`;
const PREPARING =
  'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/blue-green-deployments-creating.html#blue-green-deployments-creating-preparing-postgres';
const SWITCHING =
  'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/blue-green-deployments-switching.html';

/** A table, partitioned table or materialized view of the inspected database (extension-owned ones excluded). */
export interface PgRelation {
  schema: string;
  name: string;
  /** r: table (or leaf partition), p: partitioned table, m: materialized view */
  kind: 'r' | 'p' | 'm';
  /** p: permanent, u: unlogged */
  persistence: 'p' | 'u';
  /** pg_class.relreplident: d default (the primary key), n nothing, f full, i index */
  replicaIdentity: 'd' | 'n' | 'f' | 'i';
  hasPrimaryKey: boolean;
  hasIdentityIndex: boolean;
  /** planner estimate; null when the table was never analyzed or vacuumed */
  rows: number | null;
  /** pg_total_relation_size; null for relations no rule can name (not read, to stay fast on big schemas) */
  bytes: number | null;
}

export interface PostgresFacts {
  serverVersion: string;
  database: string;
  relations: PgRelation[];
  largeObjects: { count: number; bytes: number };
  extensions: Array<{ name: string; version: string }>;
  /** pg_settings values by name (only the ones the rules read); absent when the server has no such setting */
  settings: Record<string, string>;
  publications: Array<{ name: string; allTables: boolean }>;
  subscriptions: Array<{ name: string; enabled: boolean }>;
  slots: Array<{
    name: string;
    type: string;
    database: string | null;
    active: boolean;
    retainedBytes: number | null;
  }>;
  walSenders: number;
  /** databases Blue/Green replicates: every database that allows connections, except templates and rdsadmin */
  databases: Array<{ name: string; bytes: number }>;
  /** role- or database-level settings of default_transaction_read_only (pg_db_role_setting) */
  readOnlyOverrides: Array<{ role: string | null; database: string | null; value: string }>;
  foreignServers: Array<{ name: string; wrapper: string; host: string | null }>;
  sequences: number;
  connections: number;
  /** the oldest open transaction of another session, if any */
  longestTransaction: { seconds: number; pid: number; user: string; state: string } | null;
  databaseBytes: number;
}

/** Settings the rules read (and the gateway asks pg_settings for). */
export const POSTGRES_SETTINGS = [
  'shared_preload_libraries',
  'max_replication_slots',
  'max_wal_senders',
  'max_logical_replication_workers',
  'max_worker_processes',
  'wal_level',
] as const;

/** An open transaction older than this delays a logical green's start and blocks the switchover. */
export const LONG_TRANSACTION_SECONDS = 300;

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const qualified = (r: { schema: string; name: string }): string =>
  `${quoteIdent(r.schema)}.${quoteIdent(r.name)}`;
const display = (r: { schema: string; name: string }): string => `${r.schema}.${r.name}`;
const object = (r: PgRelation, extra: Partial<FoundObject> = {}): FoundObject => ({
  name: display(r),
  ...(r.rows === null ? {} : { rows: r.rows }),
  ...(r.bytes === null ? {} : { bytes: r.bytes }),
  ...extra,
});
const preloaded = (facts: PostgresFacts): string[] =>
  (facts.settings.shared_preload_libraries ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
const hasExtension = (facts: PostgresFacts, name: string): boolean =>
  facts.extensions.some((e) => e.name === name);
const extensionOrPreload = (facts: PostgresFacts, names: string[]): FoundObject[] => [
  ...facts.extensions
    .filter((e) => names.includes(e.name))
    .map((e) => ({ name: e.name, detail: `extension ${e.version} installed in ${facts.database}` })),
  ...preloaded(facts)
    .filter((lib) => names.includes(lib) && !hasExtension(facts, lib))
    .map((lib) => ({ name: lib, detail: 'in shared_preload_libraries' })),
];
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const isIpAddress = (host: string): boolean => IPV4.test(host) || host.includes(':');
const setting = (facts: PostgresFacts, name: string): number => Number(facts.settings[name] ?? Number.NaN);

export const POSTGRES_RULES: ReadonlyArray<InspectionRule<PostgresFacts>> = [
  {
    id: 'PG-NO-REPLICA-IDENTITY',
    title: 'tables without a primary key or usable replica identity',
    severity: { logical: 'refuse' },
    waivable: false,
    why: 'Green is fed by a publication of every table; the moment it exists, UPDATE and DELETE on a table without a replica identity fail on blue, in production ("cannot update table ... because it does not have a replica identity and publishes updates").',
    fix: 'add a primary key (ALTER TABLE t ADD PRIMARY KEY (...)), or, when no key exists, ALTER TABLE t REPLICA IDENTITY FULL (every UPDATE then logs the whole old row)',
    docs: LOGICAL_LIMITS,
    find: (facts) =>
      facts.relations
        .filter(
          (r) =>
            r.kind === 'r' &&
            r.persistence === 'p' &&
            (r.replicaIdentity === 'n' ||
              (r.replicaIdentity === 'd' && !r.hasPrimaryKey) ||
              (r.replicaIdentity === 'i' && !r.hasIdentityIndex)),
        )
        .map((r) =>
          object(r, {
            detail: r.replicaIdentity === 'n' ? 'REPLICA IDENTITY NOTHING' : 'no primary key',
            sql: `ALTER TABLE ${qualified(r)} REPLICA IDENTITY FULL;`,
          }),
        ),
  },
  {
    id: 'PG-LARGE-OBJECTS',
    title: 'large objects (pg_largeobject)',
    severity: { logical: 'refuse' },
    waivable: true,
    why: 'Logical replication does not carry large objects: green starts without them, and creating or changing one on blue while green exists degrades the deployment until green is recreated.',
    fix: 'move the data into bytea columns and unlink the large objects (SELECT lo_unlink(oid) FROM pg_largeobject_metadata), or waive if they are obsolete',
    docs: LOGICAL_LIMITS,
    find: (facts) =>
      facts.largeObjects.count > 0
        ? [
            {
              name: `${facts.database}: pg_catalog.pg_largeobject`,
              detail: `${facts.largeObjects.count} large object(s)`,
              bytes: facts.largeObjects.bytes,
              sql: 'SELECT lo_unlink(oid) FROM pg_largeobject_metadata;',
            },
          ]
        : [],
  },
  {
    id: 'PG-UNLOGGED-TABLES',
    title: 'unlogged tables',
    severity: { logical: 'refuse', physical: 'refuse' },
    waivable: true,
    why: 'Unlogged tables write no WAL, so neither logical nor physical replication carries their rows: after the switch they are empty on the new production.',
    fix: 'make them logged (ALTER TABLE t SET LOGGED) before the run, or waive if their content is disposable (caches)',
    docs: `${LOGICAL_LIMITS} ; https://www.postgresql.org/docs/current/sql-createtable.html#SQL-CREATETABLE-UNLOGGED`,
    find: (facts) =>
      facts.relations
        .filter((r) => r.kind === 'r' && r.persistence === 'u')
        .map((r) => object(r, { sql: `ALTER TABLE ${qualified(r)} SET LOGGED;` })),
  },
  {
    id: 'PG-MATERIALIZED-VIEWS',
    title: 'materialized views (reconcile list: refresh on green before the switch)',
    severity: { logical: 'warn' },
    waivable: true,
    why: 'Logical replication does not refresh materialized views on green: they keep the content of the initial copy until someone refreshes them.',
    fix: 'refresh each one on green before the switchover (REFRESH MATERIALIZED VIEW), or right after it',
    docs: LOGICAL_LIMITS,
    find: (facts) =>
      facts.relations
        .filter((r) => r.kind === 'm')
        .map((r) => object(r, { sql: `REFRESH MATERIALIZED VIEW ${qualified(r)};` })),
  },
  {
    id: 'PG-FOREIGN-SERVER-IP',
    title: 'foreign servers addressed by IP',
    severity: { logical: 'warn', physical: 'warn' },
    waivable: true,
    why: 'Foreign data wrappers must name their servers by endpoint: an IP address keeps pointing at the old host after a switchover renames the endpoints.',
    fix: "ALTER SERVER s OPTIONS (SET host '<endpoint name>')",
    docs: CONSIDERATIONS,
    find: (facts) =>
      facts.foreignServers
        .filter((s) => s.host !== null && isIpAddress(s.host))
        .map((s) => ({
          name: s.name,
          detail: `${s.wrapper} host ${s.host}`,
          sql: `ALTER SERVER ${quoteIdent(s.name)} OPTIONS (SET host '<endpoint name>');`,
        })),
  },
  {
    id: 'PG-EXT-PG-PARTMAN',
    title: 'pg_partman enabled on blue',
    severity: { logical: 'refuse' },
    waivable: true,
    why: 'pg_partman creates partitions (DDL) on schedule; DDL is not replicated logically, so a new partition degrades the deployment.',
    fix: 'disable pg_partman maintenance on blue for the duration (remove pg_partman_bgw from shared_preload_libraries, or stop run_maintenance jobs); waive once it is off',
    docs: CONSIDERATIONS,
    find: (facts) => extensionOrPreload(facts, ['pg_partman', 'pg_partman_bgw']),
  },
  {
    id: 'PG-EXT-PG-CRON',
    title: 'pg_cron on blue (must stay disabled on green)',
    severity: { logical: 'warn' },
    waivable: true,
    why: "pg_cron's workers run as superuser and bypass green's read-only setting: jobs running on green write there and conflict with replication.",
    fix: "keep pg_cron out of shared_preload_libraries in green's parameter group (target.dbParameterGroupName) until the switch",
    docs: CONSIDERATIONS,
    find: (facts) => extensionOrPreload(facts, ['pg_cron']),
  },
  {
    id: 'PG-EXT-LOGICAL-REPLICATION',
    title: 'pglogical or pgactive enabled on blue',
    severity: { logical: 'refuse' },
    waivable: false,
    why: 'pglogical and pgactive run their own logical replication, which conflicts with the one Blue/Green sets up; they must be disabled on blue.',
    fix: 'drop the extensions (DROP EXTENSION pglogical / pgactive) and remove them from shared_preload_libraries',
    docs: CONSIDERATIONS,
    find: (facts) => extensionOrPreload(facts, ['pglogical', 'pgactive']),
  },
  {
    id: 'PG-PGAUDIT-PRELOAD',
    title: 'pgAudit installed but not preloaded',
    severity: { logical: 'refuse', physical: 'refuse' },
    waivable: false,
    why: 'pgAudit must be in shared_preload_libraries in the parameter groups of both blue and green; without it the deployment fails.',
    fix: 'add pgaudit to shared_preload_libraries of blue and of target.dbParameterGroupName, then reboot blue',
    docs: CONSIDERATIONS,
    find: (facts) =>
      hasExtension(facts, 'pgaudit') && !preloaded(facts).includes('pgaudit')
        ? [{ name: 'pgaudit', detail: 'extension installed, shared_preload_libraries lacks pgaudit' }]
        : [],
  },
  {
    id: 'PG-SUBSCRIPTIONS',
    title: 'blue subscribes to another publisher',
    severity: { logical: 'refuse', physical: 'refuse' },
    waivable: false,
    why: 'Blue cannot be a logical replication subscriber in a Blue/Green deployment.',
    fix: 'DROP SUBSCRIPTION on blue (and recreate it on the new production after the switch)',
    docs: PHYSICAL_LIMITS,
    find: (facts) =>
      facts.subscriptions.map((s) => ({
        name: s.name,
        detail: s.enabled ? 'enabled' : 'disabled',
        sql: `DROP SUBSCRIPTION ${quoteIdent(s.name)};`,
      })),
  },
  {
    id: 'PG-PUBLICATIONS',
    title: 'existing publications on blue',
    severity: { physical: 'refuse', logical: 'warn' },
    waivable: true,
    why: 'With physical replication blue cannot be a logical publisher; with logical replication an existing FOR ALL TABLES publication adds a second decoding of every change.',
    fix: 'drop publications nobody consumes (DROP PUBLICATION p); move consumers to the new production after the switch',
    docs: PHYSICAL_LIMITS,
    find: (facts) =>
      facts.publications.map((p) => ({
        name: p.name,
        detail: p.allTables ? 'FOR ALL TABLES' : 'selected tables',
        sql: `DROP PUBLICATION ${quoteIdent(p.name)};`,
      })),
  },
  {
    id: 'PG-REPLICATION-SLOTS',
    title: 'existing replication slots on blue',
    severity: { physical: 'refuse', logical: 'warn' },
    waivable: true,
    why: 'A logical slot makes blue a publisher (not allowed with physical replication); every slot holds WAL and uses one of max_replication_slots, which the deployment needs one per database.',
    fix: "drop unused slots (SELECT pg_drop_replication_slot('name'))",
    docs: PREPARING,
    find: (facts) =>
      facts.slots.map((s) => ({
        name: s.name,
        detail: `${s.type}${s.database ? ` on ${s.database}` : ''}, ${s.active ? 'active' : 'inactive'}`,
        ...(s.retainedBytes === null ? {} : { bytes: s.retainedBytes }),
        sql: `SELECT pg_drop_replication_slot('${s.name.replace(/'/g, "''")}');`,
      })),
  },
  {
    id: 'PG-REPLICATION-CAPACITY',
    title: 'not enough replication slots, WAL senders or apply workers for the databases',
    severity: { logical: 'refuse' },
    waivable: false,
    why: 'A logical Blue/Green deployment uses one replication slot, one WAL sender and one apply worker per database; too few and the creation fails with "incompatible parameters".',
    fix: "raise max_replication_slots, max_wal_senders, max_logical_replication_workers (and max_worker_processes) in blue's and green's parameter groups, then reboot",
    docs: PREPARING,
    find: (facts) => {
      const needed = facts.databases.length;
      const slotsUsed = facts.slots.length;
      const shortOf = (name: string, inUse: number, required: number): FoundObject[] => {
        const value = setting(facts, name);
        return Number.isFinite(value) && value - inUse < required
          ? [
              {
                name,
                detail: `${value} configured, ${inUse} in use, ${required} needed for ${needed} database(s): set at least ${inUse + required}`,
              },
            ]
          : [];
      };
      return [
        ...shortOf('max_replication_slots', slotsUsed, needed),
        ...shortOf('max_wal_senders', facts.walSenders, needed),
        ...shortOf('max_logical_replication_workers', 0, needed),
      ];
    },
  },
  {
    id: 'PG-READ-ONLY-OVERRIDE',
    title: 'roles or databases that override default_transaction_read_only',
    severity: { logical: 'warn', physical: 'warn' },
    waivable: true,
    why: 'Blue/Green keeps green read-only through default_transaction_read_only; a role or database setting overrides it, so that role writes on green before the switch (replication conflicts), or stays read-only on the new production after it.',
    fix: 'ALTER ROLE r RESET default_transaction_read_only / ALTER DATABASE d RESET default_transaction_read_only',
    docs: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/blue-green-deployments-best-practices.html',
    find: (facts) =>
      facts.readOnlyOverrides.map((o) => ({
        name:
          o.role && o.database
            ? `role ${o.role} in ${o.database}`
            : o.role
              ? `role ${o.role}`
              : `database ${o.database}`,
        detail: `default_transaction_read_only=${o.value}`,
        sql: o.role
          ? `ALTER ROLE ${quoteIdent(o.role)}${o.database ? ` IN DATABASE ${quoteIdent(o.database)}` : ''} RESET default_transaction_read_only;`
          : `ALTER DATABASE ${quoteIdent(o.database ?? '')} RESET default_transaction_read_only;`,
      })),
  },
  {
    id: 'PG-SEQUENCES',
    title: 'sequences (synchronized only at the switchover)',
    severity: { logical: 'warn' },
    waivable: true,
    why: 'Logical replication does not carry sequence values; RDS sets them on green during the switchover, which lengthens it with their number.',
    fix: 'nothing to change; count them in the switchover time',
    docs: LOGICAL_LIMITS,
    find: (facts) =>
      facts.sequences > 0 ? [{ name: `${facts.database}: ${facts.sequences} sequence(s)` }] : [],
  },
  {
    id: 'PG-LONG-TRANSACTION',
    title: `a transaction open longer than ${LONG_TRANSACTION_SECONDS} s`,
    severity: { logical: 'warn', physical: 'warn' },
    waivable: true,
    why: "Creating green's replication waits for open transactions, and RDS refuses the switchover while long writes run.",
    fix: 'end or cancel it (SELECT pg_cancel_backend(pid)) and find out which job holds transactions open',
    docs: SWITCHING,
    find: (facts) => {
      const t = facts.longestTransaction;
      return t && t.seconds > LONG_TRANSACTION_SECONDS
        ? [
            {
              name: `pid ${t.pid} (${t.user})`,
              detail: `open ${Math.round(t.seconds)} s, ${t.state}`,
              sql: `SELECT pg_cancel_backend(${t.pid});`,
            },
          ]
        : [];
    },
  },
  {
    id: 'PG-UNINSPECTED-DATABASES',
    title: 'other databases on the instance were not inspected',
    severity: { logical: 'warn', physical: 'warn' },
    waivable: true,
    why: 'Blue/Green replicates every database of the instance, but Preflight connects to database.name only: the schemas of the others were not checked.',
    fix: 'run `switchyard check` with database.name set to each of them',
    docs: PREPARING,
    find: (facts) =>
      facts.databases.filter((d) => d.name !== facts.database).map((d) => ({ name: d.name, bytes: d.bytes })),
  },
];
