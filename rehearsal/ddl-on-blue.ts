/**
 * The ddl-during-replication scenario's act: DDL on blue through its endpoint while green exists, the
 * way an application's deploy or a DBA would run it, outside the pipeline.
 */
import pg from 'pg';
import type { Check } from './report.ts';
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

/** The lag loop must have left naming the change: which object, and that it was DDL on blue. */
export const checkDdlNamed = (reason: string | null, object: string, lagChecksAfterDdl: number): Check[] => [
  {
    name: 'DDL on blue named when the lag loop left',
    ok: reason?.includes(object) === true,
    detail: reason ?? 'no lag check judged the replication window broken',
  },
  {
    name: 'detected within two lag polls of the DDL',
    ok: reason !== null && lagChecksAfterDdl <= 2,
    detail: `${lagChecksAfterDdl} lag check(s) after the DDL`,
  },
];
