/**
 * What the rehearsal asks a MySQL-family server through its endpoint (the MariaDB engine and the MySQL
 * stand-in): table sizes, which server answers, whether it is read-only. The PostgreSQL versions live in
 * pg-probes.ts; these are their mysql2 counterparts, over the endpoint's verified TLS.
 */
import mysql from 'mysql2/promise';
import type { Emulator } from '../emulator/index.ts';
import type { EndpointIdentity } from './report.ts';
import type { EndpointConfig } from './write-drivers.ts';

export type RehearsalEngine = 'postgres' | 'mariadb' | 'mysql';
export const REHEARSAL_ENGINES: readonly RehearsalEngine[] = ['postgres', 'mariadb', 'mysql'];

/**
 * Why a scenario has no form on this engine, or null. schema-hazards plants PostgreSQL objects and
 * migration-fails needs migrations applied on blue, which the pipeline does on PostgreSQL only;
 * fail-back runs on PostgreSQL and MariaDB, not on MySQL (reverse replication is MariaDB's only).
 */
export const scenarioEngineRefusal = (
  s: { name: string; schemaHazards?: boolean },
  engine: RehearsalEngine,
): string | null => {
  if (engine === 'postgres') return null;
  if (s.schemaHazards || s.name === 'migration-fails')
    return `scenario '${s.name}' is PostgreSQL-only; run it without --engine ${engine}`;
  if (s.name === 'fail-back' && engine === 'mysql')
    return `scenario 'fail-back' runs on PostgreSQL and MariaDB (reverse replication has no MySQL form); run it with --engine mariadb or without --engine`;
  return null;
};

const connect = async (cfg: EndpointConfig): Promise<mysql.Connection> => {
  const c = await mysql.createConnection({
    host: cfg.host,
    port: cfg.port,
    user: cfg.user,
    password: cfg.password,
    ...(cfg.database ? { database: cfg.database } : {}),
    ssl: cfg.ssl,
    connectTimeout: 5000,
  });
  c.on('error', () => {});
  return c;
};

const one = async <R>(cfg: EndpointConfig, sql: string): Promise<R | undefined> => {
  const c = await connect(cfg);
  try {
    const [rows] = await c.query(sql);
    return (rows as R[])[0];
  } finally {
    await c.end().catch(() => {});
  }
};

export const measureMysqlSource = async (
  cfg: EndpointConfig,
): Promise<{
  ordersTableBytes: number | null;
  ordersTotalBytes: number | null;
  databaseBytes: number | null;
}> => {
  try {
    const r = await one<{ t: number; a: number; d: number }>(
      cfg,
      `SELECT (SELECT DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders') AS t,
              (SELECT DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders') AS a,
              (SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()) AS d`,
    );
    return {
      ordersTableBytes: Number(r?.t) || null,
      ordersTotalBytes: Number(r?.a) || null,
      databaseBytes: Number(r?.d) || null,
    };
  } catch {
    return { ordersTableBytes: null, ordersTotalBytes: null, databaseBytes: null };
  }
};

/** Which server answers on an endpoint: its own port, server_id (the "system identifier") and version. */
export const identifyMysql = async (
  emulator: Emulator,
  endpoint: string,
): Promise<EndpointIdentity | null> => {
  try {
    const cfg = emulator.connectionConfig(endpoint);
    const row = await one<{ port: number; id: number; version: string }>(
      cfg,
      'SELECT @@port AS port, @@server_id AS id, @@version AS version',
    );
    if (!row) return null;
    const state = (await (await fetch(`${emulator.url}/_switchyard/state`)).json()) as {
      instances: Array<{ id: string; resourceId: string; server?: { port?: number } }>;
    };
    const inst = state.instances.find((i) => i.server?.port === Number(row.port));
    return {
      endpoint,
      serverPort: Number(row.port),
      systemIdentifier: String(row.id),
      serverVersion: row.version,
      instanceId: inst?.id ?? null,
      resourceId: inst?.resourceId ?? null,
    };
  } catch {
    return null;
  }
};

export const isMysqlReadOnly = async (emulator: Emulator, instanceId: string): Promise<boolean | null> => {
  try {
    const r = await one<{ ro: number }>(emulator.connectionConfig(instanceId), 'SELECT @@read_only AS ro');
    return r ? Number(r.ro) === 1 : null;
  } catch {
    return null;
  }
};
