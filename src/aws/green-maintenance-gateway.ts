/**
 * MaintainGreen's SQL on green: list tables and materialized views, ANALYZE a table, REFRESH a view.
 * Sessions through `connectPostgres` (TLS, verified), at green's own instance endpoint.
 *
 * Green is read-only for clients on the logical path (`default_transaction_read_only=on`). ANALYZE is
 * allowed in a read-only transaction (PostgreSQL classes it as not changing what pg_dump would read),
 * so the ANALYZE sessions keep green read-only. REFRESH MATERIALIZED VIEW is refused in a read-only
 * transaction; the refresh session sets `default_transaction_read_only = off` for itself only, as RDS
 * allows per connection. A materialized view is in no publication, so its refresh never meets the rows
 * replication applies. Both verified on a real server (test/database/green-maintenance.test.ts).
 *
 * ANALYZE skips a table its user may not analyze with a WARNING, not an error: the warnings are
 * collected and returned, so a skipped table is named in the report instead of passing unnoticed.
 */
import type pg from 'pg';
import type { GreenRelation, GreenView } from '../domain/green-maintenance.ts';
import type { ParameterReader } from './parameters.ts';
import { connectPostgres } from './pg-connection.ts';

export interface GreenMaintenanceTarget {
  name: string;
  user: string;
  passwordParameter: string;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Tables to ANALYZE: permanent tables of user schemas, partitioned tables as their root (ANALYZE on a
 * root samples the whole hierarchy and recurses into the partitions); Switchyard's own schema and
 * extension-owned tables excluded. Unlogged tables are not replicated: empty on green, left alone.
 */
const TABLES_SQL = `
  SELECT c.oid::int8::float8 AS oid, n.nspname AS schema, c.relname AS relation
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence = 'p'
     AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'switchyard') AND n.nspname !~ '^pg_(toast|temp_)'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
   ORDER BY c.oid`;

/** Materialized views, whether they hold rows, and whether a unique index allows CONCURRENTLY. */
const VIEWS_SQL = `
  SELECT c.oid::int8::float8 AS oid, n.nspname AS schema, c.relname AS relation, c.relispopulated AS populated,
         EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid
                    AND i.indpred IS NULL AND i.indexprs IS NULL) AS unique_index
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'm'
   ORDER BY c.oid`;

interface Located {
  schema: string;
  relation: string;
}
export type GreenTable = GreenRelation & Located;
export type GreenMatView = GreenView & Located;

const quoted = (r: Located) => `${ident(r.schema)}.${ident(r.relation)}`;

export interface GreenMaintenanceSession {
  tables(): Promise<GreenTable[]>;
  views(): Promise<GreenMatView[]>;
  /** ANALYZE one table; the warnings it raised (a skip says why) */
  analyze(table: GreenTable, timeoutMs: number): Promise<{ warnings: string[] }>;
  refresh(view: GreenMatView, mode: 'concurrently' | 'plain', timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

const openSession = async (
  endpoint: Parameters<typeof connectPostgres>[0],
  writable: boolean,
): Promise<GreenMaintenanceSession> => {
  const client: pg.Client = await connectPostgres(endpoint, {
    applicationName: 'switchyard-green-maintenance',
  });
  const warnings: string[] = [];
  client.on('notice', (n) => {
    if (n.severity === 'WARNING') warnings.push(n.message ?? String(n));
  });
  try {
    // The refresh session alone leaves green's read-only default: REFRESH is refused otherwise.
    if (writable) await client.query('SET default_transaction_read_only = off');
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  const timed = async (sql: string, timeoutMs: number) => {
    await client.query(`SET statement_timeout = ${Math.max(1000, Math.floor(timeoutMs))}`);
    await client.query(sql);
  };
  return {
    async tables() {
      const { rows } = await client.query<{ oid: number; schema: string; relation: string }>(TABLES_SQL);
      return rows.map((r) => ({ ...r, name: `${r.schema}.${r.relation}` }));
    },
    async views() {
      const { rows } = await client.query<{
        oid: number;
        schema: string;
        relation: string;
        populated: boolean;
        unique_index: boolean;
      }>(VIEWS_SQL);
      return rows.map((r) => ({
        oid: r.oid,
        schema: r.schema,
        relation: r.relation,
        name: `${r.schema}.${r.relation}`,
        populated: r.populated,
        uniqueIndex: r.unique_index,
      }));
    },
    async analyze(table, timeoutMs) {
      warnings.length = 0;
      await timed(`ANALYZE ${quoted(table)}`, timeoutMs);
      return { warnings: [...warnings] };
    },
    async refresh(view, mode, timeoutMs) {
      await timed(
        `REFRESH MATERIALIZED VIEW ${mode === 'concurrently' ? 'CONCURRENTLY ' : ''}${quoted(view)}`,
        timeoutMs,
      );
    },
    close: () => client.end().catch(() => undefined),
  };
};

export const makeGreenMaintenanceGateway = (readParameter: ParameterReader) => ({
  /** A session on green's database with the input's credentials; `writable` only for REFRESH. */
  async open(
    target: GreenMaintenanceTarget,
    green: { host: string; port: number },
    writable: boolean,
  ): Promise<GreenMaintenanceSession> {
    const password = await readParameter(target.passwordParameter);
    return openSession(
      { host: green.host, port: green.port, database: target.name, user: target.user, password },
      writable,
    );
  },
});

export type GreenMaintenanceGateway = ReturnType<typeof makeGreenMaintenanceGateway>;
