#!/usr/bin/env node
/**
 * A tiny test suite against green, run as a Switchyard hook (the happy rehearsal runs it at greenReady:
 * `npm run rehearse`, or `--hook greenReady="node examples/hooks/green-suite.mjs"`). It reads only the
 * environment a hook gets: PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD with PGSSLMODE=verify-full and
 * PGSSLROOTCERT (MYSQL_* on MariaDB/MySQL), SWITCHYARD_GREEN_ENGINE_VERSION, SWITCHYARD_HOOK_POINT.
 * Exit 0: every check passed; exit 1: at least one failed (the hook fails, onFailure decides what follows).
 */
import { readFileSync } from 'node:fs';

const env = process.env;
const checks = [];
const check = async (name, fn) => {
  try {
    const detail = await fn();
    checks.push({ name, ok: true, detail });
  } catch (err) {
    checks.push({ name, ok: false, detail: err instanceof Error ? err.message : String(err) });
  }
};
const must = (condition, message) => {
  if (!condition) throw new Error(message);
};

const query = async (sql) => {
  if (env.SWITCHYARD_ENGINE === 'postgres') {
    const { default: pg } = await import('pg');
    // node-postgres does not read PGSSLROOTCERT: hand it the CA the way libpq would use it (verify-full).
    must(env.PGSSLMODE === 'verify-full', `PGSSLMODE is ${env.PGSSLMODE}, expected verify-full`);
    const client = new pg.Client({
      ssl: { ca: readFileSync(env.PGSSLROOTCERT, 'utf8'), rejectUnauthorized: true },
    });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }
  const mysql = await import('mysql2/promise');
  const c = await mysql.createConnection({
    host: env.MYSQL_HOST,
    port: Number(env.MYSQL_TCP_PORT),
    user: env.MYSQL_USER,
    password: env.MYSQL_PWD,
    database: env.MYSQL_DATABASE || undefined,
    ssl: { ca: readFileSync(env.MYSQL_SSL_CA, 'utf8') },
  });
  try {
    return (await c.query(sql))[0];
  } finally {
    await c.end();
  }
};

await check('green answers over verified TLS', async () => {
  const [row] = await query(
    env.SWITCHYARD_ENGINE === 'postgres' ? 'SELECT version() AS v' : 'SELECT version() AS v',
  );
  return row.v;
});
await check('green runs the target engine version', async () => {
  const [row] = await query(
    env.SWITCHYARD_ENGINE === 'postgres' ? 'SHOW server_version' : 'SELECT version() AS server_version',
  );
  const major = (env.SWITCHYARD_GREEN_ENGINE_VERSION ?? '').split('.')[0];
  must(
    major && String(row.server_version).startsWith(major),
    `server ${row.server_version}, expected ${env.SWITCHYARD_GREEN_ENGINE_VERSION}`,
  );
  return row.server_version;
});
await check('the orders table came across with its rows', async () => {
  const [row] = await query('SELECT count(*) AS n FROM orders');
  must(Number(row.n) > 0, 'orders is empty on green');
  return `${row.n} rows`;
});

for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
const failed = checks.filter((c) => !c.ok).length;
console.log(
  `green-suite at ${env.SWITCHYARD_HOOK_POINT}: ${checks.length - failed} of ${checks.length} checks passed`,
);
process.exit(failed ? 1 : 0);
