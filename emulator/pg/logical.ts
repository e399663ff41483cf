/**
 * The logical-replication path used for a major-version upgrade (RDS User Guide, Blue/Green Deployments: replication type):
 * roles and schema copied from the catalog, one publication/subscription pair per database, sequences
 * synchronised at switchover (they are not replicated logically).
 */
import { execFileSync } from 'node:child_process';
import { errorMessage, ident, literal, sleep, waitFor } from '../util.ts';
import { generateRoles, generateSchema, generateSchemaPhased, type SchemaStatement } from './schema.ts';
import type { PgServer } from './server.ts';

export interface LogicalLink {
  db: string;
  publication: string;
  subscription: string;
}

export const userDatabases = async (server: PgServer): Promise<string[]> =>
  (
    await server.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY oid',
    )
  ).map((r) => r.datname);

const isAlreadyExists = (e: unknown): boolean => /already exists/.test(errorMessage(e));

/**
 * Settings green runs with while it is being built, restored before it becomes AVAILABLE. Durability
 * is relaxed (no fsync, no full-page writes, asynchronous commit): a green that crashes while
 * PROVISIONING is thrown away and rebuilt (resumeDeployments), never used. Index builds get more
 * memory, and a worker that stopped on an error (an UPDATE/DELETE that raced a replica-identity build)
 * is restarted after 200 ms instead of 5 s.
 */
const BUILD_SETTINGS: Record<string, string> = {
  fsync: 'off',
  full_page_writes: 'off',
  synchronous_commit: 'off',
  maintenance_work_mem: '256MB',
  wal_retrieve_retry_interval: '200ms',
};

const applyBuildSettings = async (green: PgServer, on: boolean): Promise<void> => {
  for (const [k, v] of Object.entries(BUILD_SETTINGS))
    await green.query(on ? `ALTER SYSTEM SET ${k} = ${literal(v)}` : `ALTER SYSTEM RESET ${k}`);
  await green.query('SELECT pg_reload_conf()');
  if (on) return;
  // Back to durable: what was written while fsync was off must reach the disk (the PostgreSQL docs on
  // fsync: flush the buffers, then sync the file system), and the checkpoint restarts full-page writes.
  await green.query('CHECKPOINT');
  try {
    execFileSync('sync', ['-f', green.cfg.dir]);
  } catch {
    execFileSync('sync');
  }
};

/** States of pg_subscription_rel in which a table's COPY has not finished yet (init, data copy). */
const COPYING = `('i','d')`;

/**
 * Copies roles and schema, then subscribes green to blue in every database; resolves once the initial
 * copy is done and green's schema is complete.
 *
 * The schema goes in three steps (SchemaPhase in schema.ts), because maintaining indexes during the
 * COPY is what makes it slow (BENCHMARKS.md, "Initial copy"):
 * 1. before the subscription: types, sequences, functions, tables with NOT NULL/CHECK, triggers, no index;
 * 2. per table, as soon as its COPY is finished (srsubstate past 'd'): its primary key or replica
 *    identity index. The sync worker then streams the changes made on blue since its COPY snapshot,
 *    and applying an UPDATE/DELETE needs the replica identity; a change that beats the build makes the
 *    worker error out and restart from its replication origin (no change is lost, only retried);
 * 3. once every table is ready ('r'): the other unique and exclusion constraints, secondary indexes,
 *    foreign keys (validated on a consistent state: every table is at the apply worker's position) and
 *    views. Green ends with blue's schema.
 */
export const setupLogical = async (
  blue: PgServer,
  green: PgServer,
  name: string,
  log: (l: string) => void,
): Promise<LogicalLink[]> => {
  for (const stmt of await generateRoles(blue))
    await green.query(stmt).catch((e) => {
      if (!isAlreadyExists(e)) throw e;
    });
  await applyBuildSettings(green, true);
  const links: LogicalLink[] = [];
  const deferred = new Map<string, SchemaStatement[]>();
  const exec = async (db: string, stmt: string): Promise<void> => {
    try {
      // As pg_restore does: a function body may name tables created later in the copy.
      await green.query(
        /^CREATE (OR REPLACE )?(FUNCTION|PROCEDURE)\b/i.test(stmt)
          ? `SET check_function_bodies = off; ${stmt}`
          : stmt,
        [],
        db,
      );
    } catch (e) {
      throw new Error(`schema copy of ${db} failed on: ${stmt}: ${errorMessage(e)}`);
    }
  };
  try {
    const dbs = await userDatabases(blue);
    // Binary COPY and apply (both sides are PostgreSQL 16+ on this path).
    const binary = blue.cfg.major >= 16 && green.cfg.major >= 16;
    for (const [i, db] of dbs.entries()) {
      if (db !== 'postgres')
        await green.query(`CREATE DATABASE ${ident(db)}`).catch((e) => {
          if (!isAlreadyExists(e)) throw e;
        });
      const ddl = await generateSchemaPhased(blue, db);
      const pre = ddl.filter((x) => x.phase === 'pre');
      for (const x of pre) await exec(db, x.sql);
      deferred.set(
        db,
        ddl.filter((x) => x.phase !== 'pre'),
      );
      const link: LogicalLink = { db, publication: `${name}_pub`, subscription: `${name}_sub_${i}` };
      await blue.query(`CREATE PUBLICATION ${ident(link.publication)} FOR ALL TABLES`, [], db).catch((e) => {
        if (!isAlreadyExists(e)) throw e;
      });
      const conn = blue.replicationConnInfo(db);
      await green.query(
        `CREATE SUBSCRIPTION ${ident(link.subscription)} CONNECTION ${literal(conn)} PUBLICATION ${ident(link.publication)} WITH (copy_data = true${binary ? ', binary = true' : ''})`,
        [],
        db,
      );
      links.push(link);
      log(
        `[logical] ${db}: ${pre.length} DDL statements copied (${ddl.length - pre.length} deferred), subscription ${link.subscription} created`,
      );
    }
    // 2. Replica identities, table by table as their COPY finishes.
    const t0 = Date.now();
    for (const l of links) {
      const pending = (deferred.get(l.db) ?? []).filter((x) => x.phase === 'identity');
      while (pending.length) {
        const table = pending[0]?.table as string;
        await waitFor(
          async () => {
            const [r] = await green.query<{ copying: number }>(
              `SELECT count(*)::int AS copying FROM pg_subscription_rel r
                WHERE (r.srrelid = $1::regclass OR r.srrelid IN (SELECT relid FROM pg_partition_tree($1::regclass)))
                  AND r.srsubstate IN ${COPYING}`,
              [table],
              l.db,
            );
            return r?.copying === 0;
          },
          300_000,
          20,
          `initial copy of ${table} in ${l.db}`,
        );
        for (const x of pending.filter((y) => y.table === table)) await exec(l.db, x.sql);
        pending.splice(0, pending.length, ...pending.filter((y) => y.table !== table));
      }
    }
    // 3. Everything else once every table is ready.
    await waitInitialSync(green, links);
    const t1 = Date.now();
    let n = 0;
    for (const l of links)
      for (const x of deferred.get(l.db) ?? [])
        if (x.phase === 'post') {
          await exec(l.db, x.sql);
          n++;
        }
    log(
      `[logical] initial copy done; replica identities built in ${t1 - t0} ms (with the copy), ${n} deferred statements in ${Date.now() - t1} ms`,
    );
  } catch (e) {
    // Failed: restore green's settings if possible, but report the original error.
    if (green.running) await applyBuildSettings(green, false).catch(() => {});
    throw e;
  }
  await applyBuildSettings(green, false);
  return links;
};

export const waitInitialSync = async (
  green: PgServer,
  links: LogicalLink[],
  timeoutMs = 300_000,
): Promise<void> => {
  for (const l of links)
    await waitFor(
      async () => {
        const [r] = await green.query<{ pending: number }>(
          `SELECT count(*)::int AS pending FROM pg_subscription_rel WHERE srsubstate <> 'r'`,
          [],
          l.db,
        );
        return r?.pending === 0;
      },
      timeoutMs,
      50,
      `initial copy of ${l.db}`,
    );
};

/** The subscription's connection string follows blue's server port (it can change across restarts). */
export const retargetSubscriptions = async (
  blue: PgServer,
  green: PgServer,
  links: LogicalLink[],
): Promise<void> => {
  for (const l of links) {
    const conn = blue.replicationConnInfo(l.db);
    await green.query(`ALTER SUBSCRIPTION ${ident(l.subscription)} CONNECTION ${literal(conn)}`, [], l.db);
  }
};

/** `OldestReplicationSlotLag` on blue: bytes of WAL the slowest subscription has not confirmed. */
export const logicalLagBytes = async (blue: PgServer, links: LogicalLink[]): Promise<number> => {
  const slots = links.map((l) => l.subscription);
  const [r] = await blue.query<{ lag: string | null }>(
    `SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn))::text AS lag FROM pg_replication_slots WHERE slot_type = 'logical' AND slot_name = ANY($1)`,
    [slots],
  );
  return Math.max(0, Number(r?.lag ?? 0));
};

/** Whether every subscription is enabled and its apply worker is running. */
export const logicalHealthy = async (green: PgServer, links: LogicalLink[]): Promise<boolean> => {
  for (const l of links) {
    const [r] = await green.query<{ ok: boolean }>(
      `SELECT s.subenabled AND EXISTS (SELECT 1 FROM pg_stat_subscription st WHERE st.subid = s.oid AND st.pid IS NOT NULL AND st.relid IS NULL) AS ok FROM pg_subscription s WHERE s.subname = $1`,
      [l.subscription],
      l.db,
    );
    if (!r?.ok) return false;
  }
  return true;
};

export const setSubscriptionsEnabled = async (
  green: PgServer,
  links: LogicalLink[],
  enabled: boolean,
): Promise<void> => {
  for (const l of links)
    await green.query(
      `ALTER SUBSCRIPTION ${ident(l.subscription)} ${enabled ? 'ENABLE' : 'DISABLE'}`,
      [],
      l.db,
    );
};

/** Waits until every slot has confirmed `targetLsn` (blue's position once writes are blocked). */
export const waitLogicalCatchUp = async (
  blue: PgServer,
  links: LogicalLink[],
  targetLsn: string,
  deadline: number,
): Promise<boolean> => {
  const slots = links.map((l) => l.subscription);
  while (Date.now() < deadline) {
    const [r] = await blue.query<{ behind: number }>(
      `SELECT count(*)::int AS behind FROM pg_replication_slots WHERE slot_name = ANY($1) AND (confirmed_flush_lsn IS NULL OR confirmed_flush_lsn < $2::pg_lsn)`,
      [slots, targetLsn],
    );
    if (r?.behind === 0) return true;
    await sleep(20);
  }
  return false;
};

/** Copies every sequence's position from blue to green (what RDS does during switchover, events 0307/0308). */
export const syncSequences = async (
  blue: PgServer,
  green: PgServer,
  links: LogicalLink[],
): Promise<number> => {
  let n = 0;
  for (const l of links) {
    const seqs = await blue.query<{ schemaname: string; sequencename: string }>(
      'SELECT schemaname, sequencename FROM pg_sequences',
      [],
      l.db,
    );
    for (const sq of seqs) {
      const name = `${ident(sq.schemaname)}.${ident(sq.sequencename)}`;
      const [v] = await blue.query<{ last_value: string; is_called: boolean }>(
        `SELECT last_value::text, is_called FROM ${name}`,
        [],
        l.db,
      );
      if (!v) continue;
      await green.query(
        'SELECT setval($1::regclass, $2::bigint, $3)',
        [name, v.last_value, v.is_called],
        l.db,
      );
      n++;
    }
  }
  return n;
};

/** Ends replication: drops the subscriptions (and with them blue's slots) and the publications. */
export const dropLogical = async (
  blue: PgServer | undefined,
  green: PgServer | undefined,
  links: LogicalLink[],
): Promise<void> => {
  for (const l of links) {
    if (green?.running) {
      const exists = await green
        .query(`SELECT 1 FROM pg_subscription WHERE subname = $1`, [l.subscription], l.db)
        .catch(() => []);
      if (exists.length) {
        const sub = ident(l.subscription);
        try {
          await green.query(`DROP SUBSCRIPTION ${sub}`, [], l.db);
        } catch {
          // blue unreachable: detach the slot first so the drop does not need it
          await green.query(`ALTER SUBSCRIPTION ${sub} DISABLE`, [], l.db).catch(() => {});
          await green.query(`ALTER SUBSCRIPTION ${sub} SET (slot_name = NONE)`, [], l.db).catch(() => {});
          await green.query(`DROP SUBSCRIPTION ${sub}`, [], l.db).catch(() => {});
        }
      }
    }
    if (blue?.running) {
      await blue.query(`DROP PUBLICATION IF EXISTS ${ident(l.publication)}`, [], l.db).catch(() => {});
      await blue
        .query(
          `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
          [l.subscription],
        )
        .catch(() => {});
    }
  }
};

/** A fingerprint of blue's schema and large objects: DDL on blue during logical replication degrades it. */
export const schemaFingerprint = async (blue: PgServer, links: LogicalLink[]): Promise<string> => {
  const parts: string[] = [];
  for (const l of links) {
    parts.push(...(await generateSchema(blue, l.db)));
    const [lo] = await blue.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_largeobject_metadata',
      [],
      l.db,
    );
    parts.push(`large objects: ${lo?.n ?? 0}`);
  }
  return parts.join(';\n');
};
