/**
 * The ddl-during-replication scenario's act: DDL on blue through its endpoint while green exists, the
 * way an application's deploy or a DBA would run it, outside the pipeline (also the sequence-behind act on
 * the new primary). What the run must then name is judged in judge.ts.
 */
import pg from 'pg';
import type { EndpointConfig } from './write-load.ts';

export const runOnBlue = async (cfg: EndpointConfig, sql: string): Promise<void> => {
  const c = new pg.Client({ ...cfg, connectionTimeoutMillis: 5000, application_name: 'rehearsal-ddl' });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end().catch(() => {});
  }
};
