/**
 * What the rehearsal asks a PostgreSQL server through its endpoint: table sizes, which server answers,
 * whether it is read-only. engine-probes.ts holds the MySQL-family counterparts; `probesFor` picks one set.
 */
import pg from 'pg';
import type { Emulator } from '../emulator/index.ts';
import { identifyMysql, isMysqlReadOnly, measureMysqlSource } from './engine-probes.ts';
import type { EndpointIdentity } from './report.ts';
import type { EndpointConfig } from './write-load.ts';

export interface SourceSizes {
  ordersTableBytes: number | null;
  ordersTotalBytes: number | null;
  databaseBytes: number | null;
}

/** Sizes of the seeded data on blue: the orders table (what the logical initial copy moves), with indexes, and the database. */
export const measurePostgresSource = async (cfg: EndpointConfig): Promise<SourceSizes> => {
  const c = new pg.Client({ ...cfg, connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  try {
    await c.connect();
    const { rows } = await c.query<{ t: string; a: string; d: string }>(
      `SELECT pg_table_size('orders')::text AS t, pg_total_relation_size('orders')::text AS a, pg_database_size(current_database())::text AS d`,
    );
    const r = rows[0];
    return {
      ordersTableBytes: Number(r?.t ?? NaN) || null,
      ordersTotalBytes: Number(r?.a ?? NaN) || null,
      databaseBytes: Number(r?.d ?? NaN) || null,
    };
  } catch {
    return { ordersTableBytes: null, ordersTotalBytes: null, databaseBytes: null };
  } finally {
    await c.end().catch(() => {});
  }
};

/** Which server answers on an endpoint, asked through the endpoint itself. */
export const identifyPostgres = async (
  emulator: Emulator,
  endpoint: string,
): Promise<EndpointIdentity | null> => {
  let cfg: EndpointConfig;
  try {
    cfg = emulator.connectionConfig(endpoint);
  } catch {
    return null;
  }
  const c = new pg.Client({ ...cfg, connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  try {
    await c.connect();
    const { rows } = await c.query<{ port: number; sysid: string; version: string }>(
      `SELECT inet_server_port() AS port, system_identifier::text AS sysid, current_setting('server_version') AS version FROM pg_control_system()`,
    );
    const row = rows[0];
    if (!row) return null;
    const state = (await (await fetch(`${emulator.url}/_switchyard/state`)).json()) as {
      instances: Array<{ id: string; resourceId: string; server?: { port?: number } }>;
    };
    const inst = state.instances.find((i) => i.server?.port === row.port);
    return {
      endpoint,
      serverPort: row.port,
      systemIdentifier: row.sysid,
      serverVersion: row.version,
      instanceId: inst?.id ?? null,
      resourceId: inst?.resourceId ?? null,
    };
  } catch {
    return null;
  } finally {
    await c.end().catch(() => {});
  }
};

export const isPostgresReadOnly = async (emulator: Emulator, instanceId: string): Promise<boolean | null> => {
  let cfg: EndpointConfig;
  try {
    cfg = emulator.connectionConfig(instanceId);
  } catch {
    return null;
  }
  const c = new pg.Client({ ...cfg, connectionTimeoutMillis: 3000 });
  c.on('error', () => {});
  try {
    await c.connect();
    const { rows } = await c.query<{ ro: string }>(
      `SELECT current_setting('default_transaction_read_only') AS ro`,
    );
    return rows[0]?.ro === 'on';
  } catch {
    return null;
  } finally {
    await c.end().catch(() => {});
  }
};

export interface EngineProbes {
  identify: (emulator: Emulator, endpoint: string) => Promise<EndpointIdentity | null>;
  isReadOnly: (emulator: Emulator, instanceId: string) => Promise<boolean | null>;
  measureSource: (cfg: EndpointConfig) => Promise<SourceSizes>;
}

export const probesFor = (mysqlFamily: boolean): EngineProbes =>
  mysqlFamily
    ? { identify: identifyMysql, isReadOnly: isMysqlReadOnly, measureSource: measureMysqlSource }
    : { identify: identifyPostgres, isReadOnly: isPostgresReadOnly, measureSource: measurePostgresSource };
