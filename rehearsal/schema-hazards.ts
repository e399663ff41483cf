/**
 * The schema-hazards scenario's blue: the four objects users most often meet as Blue/Green failures
 * (a table without a primary key, a large object, an unlogged table, a materialized view), and the
 * production writes that must still succeed after Preflight refused the run.
 */
import pg from 'pg';
import type { EndpointConfig } from './write-load.ts';

export const HAZARD_TABLE = 'public.audit_log';

/** Created on blue before the run. */
export const SCHEMA_HAZARDS_SQL = [
  `CREATE TABLE ${HAZARD_TABLE} (at timestamptz NOT NULL DEFAULT now(), actor text, action text)`,
  `INSERT INTO ${HAZARD_TABLE} (actor, action) SELECT 'user' || g, 'login' FROM generate_series(1, 200) g`,
  `SELECT lo_from_bytea(0, convert_to('%PDF-1.7 invoice 1001', 'UTF8'))`,
  'CREATE UNLOGGED TABLE public.session_cache (token text PRIMARY KEY, user_id bigint)',
  'CREATE MATERIALIZED VIEW public.daily_logins AS SELECT date_trunc($$day$$, at) AS day, count(*) AS logins FROM public.audit_log GROUP BY 1',
];

/** What the refusal must name: each hazard's rule and object. */
export const HAZARD_NAMES = [
  'PG-NO-REPLICA-IDENTITY',
  HAZARD_TABLE,
  'PG-LARGE-OBJECTS',
  'PG-UNLOGGED-TABLES',
  'public.session_cache',
  'PG-MATERIALIZED-VIEWS',
  'public.daily_logins',
];

/** Production writes after the refusal, the PK-less table's UPDATE and DELETE included (they fail once a publication exists). */
export const PRODUCTION_WRITES = [
  `INSERT INTO ${HAZARD_TABLE} (actor, action) VALUES ('rehearsal', 'insert')`,
  `UPDATE ${HAZARD_TABLE} SET action = 'logout' WHERE actor = 'user1'`,
  `DELETE FROM ${HAZARD_TABLE} WHERE actor = 'user2'`,
];

const withClient = async <T>(cfg: EndpointConfig, work: (c: pg.Client) => Promise<T>): Promise<T> => {
  const c = new pg.Client({ ...cfg, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end().catch(() => {});
  }
};

export const createSchemaHazards = (cfg: EndpointConfig): Promise<void> =>
  withClient(cfg, async (c) => {
    for (const sql of SCHEMA_HAZARDS_SQL) await c.query(sql);
  });

/** One production write tried through blue's endpoint: the rows it touched, or PostgreSQL's error. */
export interface ProductionWrite {
  sql: string;
  rowCount: number | null;
  error: string | null;
}

/** Tries each production write through blue's endpoint; judge.ts decides what the answers mean. */
export const tryProductionWrites = (cfg: EndpointConfig): Promise<ProductionWrite[]> =>
  withClient(cfg, async (c) => {
    const writes: ProductionWrite[] = [];
    for (const sql of PRODUCTION_WRITES) {
      try {
        const r = await c.query(sql);
        writes.push({ sql, rowCount: r.rowCount ?? 0, error: null });
      } catch (error) {
        writes.push({ sql, rowCount: null, error: (error as Error).message });
      }
    }
    return writes;
  });
