/**
 * How the write load talks to a database: PostgreSQL through `pg`, the MySQL family (MariaDB and the
 * MySQL stand-in) through `mysql2`. Each driver opens one connection, inserts one row by id, creates the
 * writes table and finds which acknowledged ids a server lacks.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { TlsClientOptions } from '../emulator/index.ts';

export type WriteEngine = 'postgres' | 'mysql';

export interface EndpointConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Required: the emulator refuses plain connections (rds.force_ssl=1), as RDS for PostgreSQL 15+ does. */
  ssl: TlsClientOptions;
}

export interface WriteConnection {
  /** One statement in the driver's placeholder style ($1 for pg, ? for mysql2). */
  query(text: string, values: unknown[]): Promise<void>;
  end(): Promise<void>;
}

export interface WriteDriver {
  readonly engine: WriteEngine;
  connect(cfg: EndpointConfig, label: string): Promise<WriteConnection>;
  /**
   * Is the connection unusable after `err`, so that a pool would evict it? A statement's error (a
   * read-only server, a constraint) leaves it in the pool, on the same server.
   */
  connectionBroken(err: unknown): boolean;
  createTable(cfg: EndpointConfig, table: string): Promise<void>;
  /** Ids of `ids` missing from `table` on the server behind `cfg`. */
  missing(cfg: EndpointConfig, table: string, ids: number[]): Promise<number[]>;
  /** The same with the caller's query (PostgreSQL: `$1` is the bigint[] of ids; it returns `id`). */
  missingBy(cfg: EndpointConfig, sql: string, ids: number[]): Promise<number[]>;
}

/**
 * PostgreSQL: a server error carries a five-character SQLSTATE; class 08 (connection exception) and 57P
 * (admin shutdown, crash shutdown, cannot connect now) end the session. Anything without a SQLSTATE is the
 * socket or the driver (reset, timeout, "not queryable"): broken too.
 */
export const pgConnectionBroken = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return code.startsWith('08') || code.startsWith('57P');
};

/**
 * MySQL family: mysql2 marks connection-level errors fatal; a server that kills the session
 * (ER_CONNECTION_KILLED 1927) or shuts down (ER_SERVER_SHUTDOWN 1053) ends it too. A statement error
 * such as read_only's 1290 (ER_OPTION_PREVENTS_STATEMENT) does not.
 */
export const mysqlConnectionBroken = (err: unknown): boolean => {
  const e = err as { fatal?: unknown; errno?: unknown } | null;
  if (typeof e?.errno !== 'number') return true;
  return e.fatal === true || e.errno === 1927 || e.errno === 1053;
};

const pgDriver: WriteDriver = {
  engine: 'postgres',
  connectionBroken: pgConnectionBroken,
  async connect(cfg, label) {
    const c = new pg.Client({
      ...cfg,
      connectionTimeoutMillis: 5000,
      query_timeout: 10_000,
      application_name: label,
    });
    c.on('error', () => {}); // a dropped connection surfaces on the next query
    try {
      await c.connect();
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    return {
      query: async (text, values) => {
        await c.query(text, values);
      },
      end: () => c.end().catch(() => {}),
    };
  },
  async createTable(cfg, table) {
    const c = new pg.Client({ ...cfg, connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      await c.query(
        `CREATE TABLE IF NOT EXISTS ${table} (id bigint PRIMARY KEY, client int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`,
      );
    } finally {
      await c.end().catch(() => {});
    }
  },
  missing(cfg, table, ids) {
    return pgDriver.missingBy(
      cfg,
      `SELECT a.id::text AS id FROM unnest($1::bigint[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM ${table} w WHERE w.id = a.id)`,
      ids,
    );
  },
  async missingBy(cfg, sql, ids) {
    const c = new pg.Client({ ...cfg, connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      const { rows } = await c.query<{ id: string }>(sql, [ids]);
      return rows.map((r) => Number(r.id));
    } finally {
      await c.end().catch(() => {});
    }
  },
};

const mysqlOptions = (cfg: EndpointConfig): mysql.ConnectionOptions => ({
  host: cfg.host,
  port: cfg.port,
  user: cfg.user,
  password: cfg.password,
  ...(cfg.database ? { database: cfg.database } : {}),
  ssl: cfg.ssl,
  connectTimeout: 5000,
});

const mysqlConnect = async (cfg: EndpointConfig): Promise<mysql.Connection> => {
  const c = await mysql.createConnection(mysqlOptions(cfg));
  c.on('error', () => {}); // a dropped connection surfaces on the next query
  return c;
};

const mysqlDriver: WriteDriver = {
  engine: 'mysql',
  connectionBroken: mysqlConnectionBroken,
  async connect(cfg) {
    const c = await mysqlConnect(cfg);
    return {
      query: async (text, values) => {
        await c.query({ sql: text, timeout: 10_000 }, values);
      },
      end: () => c.end().catch(() => {}),
    };
  },
  async createTable(cfg, table) {
    const c = await mysqlConnect(cfg);
    try {
      await c.query(
        `CREATE TABLE IF NOT EXISTS ${table} (id BIGINT PRIMARY KEY, client INT NOT NULL, at DATETIME(6) NOT NULL DEFAULT NOW(6))`,
      );
    } finally {
      await c.end().catch(() => {});
    }
  },
  async missing(cfg, table, ids) {
    const c = await mysqlConnect(cfg);
    try {
      const have = new Set<number>();
      for (let i = 0; i < ids.length; i += 5000) {
        const chunk = ids.slice(i, i + 5000);
        if (!chunk.length) continue;
        const [rows] = await c.query(`SELECT id FROM ${table} WHERE id IN (?)`, [chunk]);
        for (const r of rows as Array<{ id: number | string }>) have.add(Number(r.id));
      }
      return ids.filter((id) => !have.has(id));
    } finally {
      await c.end().catch(() => {});
    }
  },
  async missingBy() {
    throw new Error('a custom lost-writes query is PostgreSQL-only; the MySQL family counts its own table');
  },
};

export const writeDriver = (engine: WriteEngine): WriteDriver =>
  engine === 'postgres' ? pgDriver : mysqlDriver;
