/**
 * The logical-replication path used for a major-version upgrade (rds-blue-green.md §7.2, toolchain.md §9):
 * roles and schema copied from the catalog, one publication/subscription pair per database, sequences
 * synchronised at switchover (they are not replicated logically).
 */
import { errorMessage, ident, literal, sleep, waitFor } from '../util.ts';
import { generateRoles, generateSchema } from './schema.ts';
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

/** Copies roles and schema, then subscribes green to blue in every database; resolves once the initial copy is done. */
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
  const links: LogicalLink[] = [];
  const dbs = await userDatabases(blue);
  for (const [i, db] of dbs.entries()) {
    if (db !== 'postgres')
      await green.query(`CREATE DATABASE ${ident(db)}`).catch((e) => {
        if (!isAlreadyExists(e)) throw e;
      });
    const ddl = await generateSchema(blue, db);
    for (const stmt of ddl) {
      try {
        await green.query(stmt, [], db);
      } catch (e) {
        throw new Error(`schema copy of ${db} failed on: ${stmt}: ${errorMessage(e)}`);
      }
    }
    const link: LogicalLink = { db, publication: `${name}_pub`, subscription: `${name}_sub_${i}` };
    await blue.query(`CREATE PUBLICATION ${ident(link.publication)} FOR ALL TABLES`, [], db).catch((e) => {
      if (!isAlreadyExists(e)) throw e;
    });
    const conn = `host=127.0.0.1 port=${blue.port} user=${blue.cfg.superuser} password=${blue.cfg.password} dbname=${db}`;
    await green.query(
      `CREATE SUBSCRIPTION ${ident(link.subscription)} CONNECTION ${literal(conn)} PUBLICATION ${ident(link.publication)} WITH (copy_data = true)`,
      [],
      db,
    );
    links.push(link);
    log(`[logical] ${db}: ${ddl.length} DDL statements copied, subscription ${link.subscription} created`);
  }
  await waitInitialSync(green, links);
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
    const conn = `host=127.0.0.1 port=${blue.port} user=${blue.cfg.superuser} password=${blue.cfg.password} dbname=${l.db}`;
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
