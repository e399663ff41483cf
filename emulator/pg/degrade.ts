/**
 * Degraded logical replication (RDS User Guide, Blue/Green Deployments: PostgreSQL logical replication
 * limitations): what breaks green's apply, detected on the real servers, and the real actions the
 * `replication-degraded` fault takes to break it.
 *
 * Detection compares what was true when green became AVAILABLE with what is true now:
 * - blue's schema (the catalog DDL, as the schema copy generates it): DDL on blue, a new partition;
 * - blue's large objects (count and newest row version of pg_largeobject): a large-object write;
 * - green's apply errors (pg_stat_subscription_stats.apply_error_count, PostgreSQL 15+): an apply
 *   conflict, or any other change green's apply worker cannot apply.
 */
import { ident } from '../util.ts';
import type { LogicalLink } from './logical.ts';
import { generateSchema } from './schema.ts';
import type { PgServer } from './server.ts';

export type DegradationCause = 'ddl' | 'new-partition' | 'large-object' | 'apply-error';

export interface Degradation {
  cause: DegradationCause;
  /** what changed, named precisely enough to find it */
  message: string;
}

/** What detection compares against, taken when green became AVAILABLE. */
export interface ReplicationBaseline {
  /** one DDL statement per line, per database */
  schema: string[];
  largeObjects: string;
  applyErrors: Record<string, number>;
}

const schemaLines = async (blue: PgServer, links: LogicalLink[]): Promise<string[]> => {
  const lines: string[] = [];
  for (const l of links) for (const s of await generateSchema(blue, l.db)) lines.push(`${l.db}: ${s}`);
  return lines;
};

const largeObjectMark = async (blue: PgServer, links: LogicalLink[]): Promise<string> => {
  const marks: string[] = [];
  for (const l of links) {
    // Any lo_create/lo_write/lo_unlink adds or removes row versions, so count + newest xmin moves.
    const [r] = await blue.query<{ n: number; x: string }>(
      `SELECT (SELECT count(*)::int FROM pg_largeobject_metadata) AS n,
              coalesce((SELECT max(xmin::text::bigint) FROM pg_largeobject), 0)::text
              || '/' || coalesce((SELECT max(xmin::text::bigint) FROM pg_largeobject_metadata), 0)::text AS x`,
      [],
      l.db,
    );
    marks.push(`${l.db}:${r?.n ?? 0}:${r?.x ?? ''}`);
  }
  return marks.join(',');
};

const applyErrors = async (green: PgServer, links: LogicalLink[]): Promise<Record<string, number>> => {
  const rows = await green.query<{ subname: string; n: string }>(
    `SELECT subname, apply_error_count::text AS n FROM pg_stat_subscription_stats WHERE subname = ANY($1::text[])`,
    [links.map((l) => l.subscription)],
  );
  return Object.fromEntries(rows.map((r) => [r.subname, Number(r.n)]));
};

export const replicationBaseline = async (
  blue: PgServer,
  green: PgServer,
  links: LogicalLink[],
): Promise<ReplicationBaseline> => ({
  schema: await schemaLines(blue, links),
  largeObjects: await largeObjectMark(blue, links),
  applyErrors: await applyErrors(green, links),
});

const short = (s: string, n = 160): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The first cause found, or undefined while green can still follow blue. */
export const detectDegradation = async (
  blue: PgServer,
  green: PgServer,
  links: LogicalLink[],
  base: ReplicationBaseline,
): Promise<Degradation | undefined> => {
  const now = await schemaLines(blue, links);
  const before = new Set(base.schema);
  const after = new Set(now);
  const added = now.filter((s) => !before.has(s));
  const removed = base.schema.filter((s) => !after.has(s));
  if (added.length || removed.length) {
    const partition = added.find((s) => /\bPARTITION OF\b/i.test(s));
    const changes = [...added.map((s) => `+ ${short(s)}`), ...removed.map((s) => `- ${short(s)}`)];
    return {
      cause: partition ? 'new-partition' : 'ddl',
      message: `${partition ? 'a new partition was created' : 'DDL was run'} on the blue environment during logical replication (${changes.length} change(s): ${changes.slice(0, 3).join(' | ')})`,
    };
  }
  if ((await largeObjectMark(blue, links)) !== base.largeObjects)
    return {
      cause: 'large-object',
      message:
        'large objects (pg_largeobject) were created or changed on the blue environment; logical replication does not replicate them',
    };
  const errors = await applyErrors(green, links);
  const failing = Object.entries(errors).filter(([sub, n]) => n > (base.applyErrors[sub] ?? 0));
  if (failing.length)
    return {
      cause: 'apply-error',
      message: `green's logical apply worker failed ${failing.map(([sub, n]) => `${n - (base.applyErrors[sub] ?? 0)} time(s) on subscription ${sub}`).join(', ')} (pg_stat_subscription_stats.apply_error_count); a change from blue cannot be applied on green`,
    };
  return undefined;
};

// ---- the fault's real actions ---------------------------------------------------------------------

export type DegradeAction = 'ddl' | 'large-object' | 'new-partition' | 'apply-conflict';

interface KeyedTable {
  schema: string;
  table: string;
  key: string;
}

/** The first ordinary table with a one-column integer primary key (the seeded `orders`, for example). */
const keyedTable = async (server: PgServer, db: string): Promise<KeyedTable> => {
  const [t] = await server.query<KeyedTable>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS key
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid AND c.relkind = 'r'
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
      WHERE i.indisprimary AND i.indnatts = 1 AND a.atttypid IN ('int4'::regtype, 'int8'::regtype)
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      ORDER BY c.oid LIMIT 1`,
    [],
    db,
  );
  if (!t) throw new Error(`no table with a one-column integer primary key in database ${db} on blue`);
  return t;
};

/**
 * Breaks green's apply the way a user would: `ddl` adds a column on blue and writes it; `large-object`
 * creates a large object on blue; `new-partition` adds a partition (creating a partitioned table first
 * when blue has none); `apply-conflict` writes a row on green, then the same key on blue. Returns what it did.
 */
export const breakReplication = async (
  blue: PgServer,
  green: PgServer,
  db: string,
  action: DegradeAction,
): Promise<string> => {
  if (action === 'large-object') {
    const [r] = await blue.query<{ oid: number }>(
      `SELECT lo_from_bytea(0, 'switchyard fault: a large object') AS oid`,
      [],
      db,
    );
    return `created large object ${r?.oid} on blue`;
  }
  if (action === 'new-partition') {
    const [p] = await blue.query<{ parent: string }>(
      `SELECT c.oid::regclass::text AS parent FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog','information_schema')
        AND p.partstrat = 'r' ORDER BY c.oid LIMIT 1`,
      [],
      db,
    );
    const suffix = Date.now().toString(36);
    if (!p) {
      // Blue has no partitioned table: the fault makes one whose parent is replicated before it gets a
      // partition, which is itself DDL on blue (the point of the fault is the new partition).
      await blue.query(
        `CREATE TABLE switchyard_fault_events (id bigint NOT NULL, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)`,
        [],
        db,
      );
      await blue.query(
        `CREATE TABLE switchyard_fault_events_${suffix} PARTITION OF switchyard_fault_events FOR VALUES FROM ('2000-01-01') TO ('2100-01-01')`,
        [],
        db,
      );
      await blue.query(`INSERT INTO switchyard_fault_events VALUES (1, '2026-01-01')`, [], db);
      return `created partitioned table switchyard_fault_events and partition switchyard_fault_events_${suffix} on blue`;
    }
    await blue.query(`CREATE TABLE ${p.parent}_${suffix} PARTITION OF ${p.parent} DEFAULT`, [], db);
    return `created partition ${p.parent}_${suffix} of ${p.parent} on blue`;
  }
  const t = await keyedTable(blue, db);
  const table = `${ident(t.schema)}.${ident(t.table)}`;
  if (action === 'ddl') {
    await blue.query(`ALTER TABLE ${table} ADD COLUMN switchyard_fault_note text`, [], db);
    await blue.query(
      `UPDATE ${table} SET switchyard_fault_note = 'written after DDL' WHERE ${ident(t.key)} = (SELECT max(${ident(t.key)}) FROM ${table})`,
      [],
      db,
    );
    return `added column switchyard_fault_note to ${table} on blue and wrote it`;
  }
  // apply-conflict: the same new key on green first (through a read-write session), then on blue.
  const [row] = await blue.query<{ j: Record<string, unknown> }>(
    `SELECT to_jsonb(r) || jsonb_build_object($1::text, r.${ident(t.key)} + 1000000000) AS j
       FROM (SELECT * FROM ${table} ORDER BY ${ident(t.key)} DESC LIMIT 1) r`,
    [t.key],
    db,
  );
  if (!row) throw new Error(`${table} on blue is empty: an apply conflict needs one row to copy`);
  const insert = `INSERT INTO ${table} OVERRIDING SYSTEM VALUE SELECT (jsonb_populate_record(NULL::${table}, $1::jsonb)).*`;
  const c = await green.client(db);
  try {
    await c.query('SET default_transaction_read_only = off');
    await c.query(insert, [row.j]);
  } finally {
    await c.end().catch(() => {});
  }
  await blue.query(insert, [row.j], db);
  return `inserted the same new ${t.key} into ${table} on green, then on blue (a duplicate key for green's apply)`;
};
