/**
 * The one way Switchyard opens a connection to a PostgreSQL database (inspection, migrations, smoke,
 * validation). Every caller goes through `connectPostgres`, so TLS and certificate verification are
 * decided in one place.
 */
import pg from 'pg';

export interface PgEndpoint {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

export interface PgConnectOptions {
  /** Shown in pg_stat_activity, so a DBA can tell Switchyard's sessions apart. */
  applicationName?: string;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export const connectPostgres = async (
  endpoint: PgEndpoint,
  options: PgConnectOptions = {},
): Promise<pg.Client> => {
  const client = new pg.Client({
    host: endpoint.host,
    port: endpoint.port,
    database: endpoint.database,
    user: endpoint.user,
    password: endpoint.password,
    application_name: options.applicationName ?? 'switchyard',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
  });
  await client.connect();
  return client;
};
