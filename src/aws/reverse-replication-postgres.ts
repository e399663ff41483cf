/**
 * Reverse replication for PostgreSQL (docs/reverse-replication.md): before the switch, a publication and a
 * logical slot on green in every database; after it, a subscription on old blue that uses that slot
 * with `copy_data = false` and `origin = none`.
 *
 * Why this starts exactly at the switch point: green takes no writes of its own before the switch
 * (RDS keeps it read-only and blocks writes while switching), so every change green decodes from the
 * slot before the switch was applied by the blue → green subscription and carries that subscription's
 * replication origin; `origin = none` drops exactly those. What green writes after the switch carries
 * no origin and flows to old blue, once. Only the logical path (major upgrade) allows this: on the
 * physical path green is a standby until the switch and has no publication (docs/reverse-replication.md).
 */
import type pg from 'pg';
import {
  type PgReverseFacts,
  pgReverseStatus,
  ReverseReplicationConflictError,
  ReverseReplicationUnsupportedError,
  reverseStreamName,
} from '#domain/reverse-replication';
import type { DatabaseTarget } from './database-gateway.ts';
import type { ParameterReader } from './parameters.ts';
import { connectPostgres } from './pg-connection.ts';
import type {
  ReverseReplicationGateway,
  ReverseReplicationPair,
  ReverseStatus,
  ReverseStatusReader,
} from './reverse-replication-gateway.ts';

/** A flushed WAL record of our own, no table touched (ReverseStatusReader.nudge). */
const NUDGE_SQL = `SET synchronous_commit = on; SELECT pg_logical_emit_message(true, 'switchyard', 'fail-back catch-up')`;

/** origin = none needs PostgreSQL 16 or later on both sides. */
const MIN_VERSION_NUM = 160000;

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
/** A libpq conninfo value, quoted as libpq wants. */
const conninfoValue = (v: string | number): string =>
  `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

type Connect = (target: DatabaseTarget, database: string) => Promise<pg.Client>;

/** Databases a Blue/Green deployment replicates (rdsadmin refuses connections; templates are not replicated). */
const userDatabases = async (c: pg.Client): Promise<string[]> =>
  (
    await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate AND datname <> 'rdsadmin' ORDER BY datname`,
    )
  ).rows.map((r) => r.datname);

const serverVersionNum = async (c: pg.Client): Promise<number> =>
  Number((await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);

export const makePostgresReverseReplication = (readParameter: ParameterReader): ReverseReplicationGateway => {
  // Read per connection, not cached: a cached password would outlive a rotation.
  const password = (t: DatabaseTarget): Promise<string> => readParameter(t.passwordParameter);
  const connect: Connect = (target, database) => connectWith(target, database, password(target));
  const connectWith = async (target: DatabaseTarget, database: string, secret: Promise<string>) => {
    const client = await connectPostgres(
      { host: target.host, port: target.port, database, user: target.user, password: await secret },
      // Slot creation waits for the transactions running on green to end (a consistent point).
      { applicationName: 'switchyard-reverse-replication', statementTimeoutMs: 30_000 },
    );
    client.on('error', () => undefined);
    // Green before the switch and old blue after it are read-only to sessions by default
    // (default_transaction_read_only); our DDL needs a read-write session, which a user may ask for.
    await client.query('SET default_transaction_read_only = off');
    return client;
  };
  const withClient = async <T>(
    target: DatabaseTarget,
    database: string,
    fn: (c: pg.Client) => Promise<T>,
  ): Promise<T> => {
    const c = await connect(target, database);
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const databasesOf = (target: DatabaseTarget) => withClient(target, target.name, userDatabases);

  /**
   * The sessions of one operation on both sides of the pair, by database, each opened on first use and
   * kept until close(). Each password is read once per operation (still fresh for every invocation, so a
   * rotation is picked up); a session that connects after close() is ended at once.
   */
  const pairSessions = (pair: ReverseReplicationPair) => {
    const opened: pg.Client[] = [];
    const secrets = new Map<string, Promise<string>>();
    const sessions = new Map<string, Promise<pg.Client>>();
    let closed = false;
    const session = (side: 'newPrimary' | 'oldBlue', database: string): Promise<pg.Client> => {
      const key = `${side}/${database}`;
      const known = sessions.get(key);
      if (known) return known;
      const target = pair[side];
      const secret = secrets.get(target.passwordParameter) ?? password(target);
      secrets.set(target.passwordParameter, secret);
      const started = connectWith(target, database, secret);
      started.then(
        (c) => (closed ? void c.end().catch(() => undefined) : opened.push(c)),
        () => undefined,
      );
      sessions.set(key, started);
      return started;
    };
    const close = async () => {
      closed = true;
      await Promise.all(opened.splice(0).map((c) => c.end().catch(() => undefined)));
    };
    return { session, close };
  };

  /** The slot and publication of stream `name` on the new primary, read over `c` (connected to `db`). */
  const primaryFactsOf = async (c: pg.Client, pair: ReverseReplicationPair, db: string, name: string) => {
    const slot = (
      await c.query<{
        active: boolean;
        lag: string | null;
        wal_status: string | null;
        confirmed: string | null;
        plugin: string | null;
        database: string | null;
        idle: string | null;
      }>(
        // inactive_since exists from PostgreSQL 17; read through to_jsonb so 16 answers null, not an error.
        `SELECT active, wal_status, plugin, database, confirmed_flush_lsn::text AS confirmed,
                CASE WHEN pg_is_in_recovery() THEN NULL
                     ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text END AS lag,
                extract(epoch FROM now() - (to_jsonb(s) ->> 'inactive_since')::timestamptz)::text AS idle
           FROM pg_replication_slots s WHERE slot_name = $1`,
        [name],
      )
    ).rows[0];
    if (slot && (slot.plugin !== 'pgoutput' || slot.database !== db))
      throw new ReverseReplicationConflictError(
        `${pair.newPrimary.host}: a slot named ${name} exists but is not a pgoutput slot of database ${db}; it is not ours, nothing touched`,
      );
    const pub = (await c.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name])).rowCount ?? 0;
    return { slot, publication: pub > 0 };
  };

  /** The subscription of stream `name` on old blue, read over `c` (connected to the same database). */
  const subscriptionFactsOf = async (c: pg.Client, name: string) => {
    const r = (
      await c.query<{ enabled: boolean; running: boolean; errors: string | null }>(
        `SELECT s.subenabled AS enabled,
                EXISTS (SELECT 1 FROM pg_stat_subscription st WHERE st.subid = s.oid AND st.pid IS NOT NULL AND st.relid IS NULL) AS running,
                (SELECT apply_error_count FROM pg_stat_subscription_stats ss WHERE ss.subid = s.oid)::text AS errors
           FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid
          WHERE s.subname = $1 AND d.datname = current_database()`,
        [name],
      )
    ).rows[0];
    return r
      ? { enabled: r.enabled, workerRunning: r.running, applyErrors: Number(r.errors ?? 0) }
      : undefined;
  };

  /** Facts of one database on both sides, read over sessions already open to that database. */
  const factsOf = async (
    pair: ReverseReplicationPair,
    db: string,
    onPrimary: pg.Client,
    onOldBlue: pg.Client,
  ): Promise<PgReverseFacts> => {
    const name = reverseStreamName(pair.executionName, db);
    const [primary, subscription] = await Promise.all([
      primaryFactsOf(onPrimary, pair, db, name),
      subscriptionFactsOf(onOldBlue, name),
    ]);
    return {
      database: db,
      publication: primary.publication,
      ...(primary.slot
        ? {
            slot: {
              active: primary.slot.active,
              lagBytes: primary.slot.lag === null ? null : Math.max(0, Number(primary.slot.lag)),
              walStatus: primary.slot.wal_status,
              confirmedFlushLsn: primary.slot.confirmed,
              inactiveSeconds: primary.slot.idle === null ? null : Math.max(0, Number(primary.slot.idle)),
            },
          }
        : {}),
      ...(subscription ? { subscription } : {}),
    };
  };

  /**
   * Sessions on both sides for every database the new primary replicates, opened once (in parallel);
   * each read() is a fresh reading (every query its own snapshot). A side that cannot be reached
   * throws (status is then unknown, not "absent"); sessions already open are closed.
   */
  const openReader = async (pair: ReverseReplicationPair): Promise<ReverseStatusReader> => {
    const { session, close } = pairSessions(pair);
    try {
      // Both home databases at once: with one database (the usual case) these are all the sessions.
      const home = session('newPrimary', pair.newPrimary.name);
      session('oldBlue', pair.oldBlue.name).catch(() => undefined);
      const dbs = await userDatabases(await home);
      const pending = dbs.map((db) => ({
        db,
        onPrimary: session('newPrimary', db),
        onOldBlue: session('oldBlue', db),
      }));
      // Every connection settles before the verdict, so none is left open behind a failed one.
      const settled = await Promise.allSettled(pending.flatMap((p) => [p.onPrimary, p.onOldBlue]));
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const sessions = await Promise.all(
        pending.map(async (p) => ({ db: p.db, onPrimary: await p.onPrimary, onOldBlue: await p.onOldBlue })),
      );
      const [first] = sessions;
      return {
        // Old blue applies with synchronous_commit off (the subscription default), so what it applied is
        // confirmed to the new primary only after its WAL writer flushed it (wal_writer_delay, 200 ms by
        // default) and its apply worker next woke up (as long again). A logical message committed
        // synchronously on old blue flushes its WAL up to there; one on the new primary wakes the
        // walsender, whose keepalive makes the apply worker report the flushed position at once.
        // pg_logical_emit_message is executable by any user and changes no table; subscriptions do not
        // ask for messages, so nothing is replicated. (An empty commit would not do: a transaction that
        // wrote no WAL commits without flushing.)
        nudge: async () => {
          if (!first) return;
          await first.onOldBlue.query(NUDGE_SQL);
          await first.onPrimary.query(NUDGE_SQL);
        },
        read: async () =>
          pgReverseStatus(
            await Promise.all(sessions.map((s) => factsOf(pair, s.db, s.onPrimary, s.onOldBlue))),
            new Date(),
          ),
        close,
      };
    } catch (e) {
      await close();
      throw e;
    }
  };

  return {
    async prepare(pair) {
      const starts: string[] = [];
      for (const db of await databasesOf(pair.newPrimary)) {
        const name = reverseStreamName(pair.executionName, db);
        const lsn = await withClient(pair.newPrimary, db, async (c) => {
          const [settings] = (
            await c.query<{ wal_level: string; recovery: boolean }>(
              `SELECT current_setting('wal_level') AS wal_level, pg_is_in_recovery() AS recovery`,
            )
          ).rows;
          if (settings?.recovery)
            throw new ReverseReplicationUnsupportedError(
              `${pair.newPrimary.host}: green is a physical standby (same-major Blue/Green): a reverse stream cannot start exactly at the switch there; fail-back needs the logical path (docs/reverse-replication.md)`,
            );
          if (settings?.wal_level !== 'logical')
            throw new ReverseReplicationUnsupportedError(
              `${pair.newPrimary.host}: wal_level is ${settings?.wal_level}; set rds.logical_replication=1 in the target DB parameter group (green's) and reboot green, or set failBack.enabled=false`,
            );
          if ((await serverVersionNum(c)) < MIN_VERSION_NUM)
            throw new ReverseReplicationUnsupportedError(
              `${pair.newPrimary.host}: origin = none needs PostgreSQL 16 or later`,
            );
          // The publication first: the slot decodes with historic catalog snapshots, so a publication
          // committed after the slot's start would not be seen by the changes before it.
          const pub = await c.query<{ puballtables: boolean }>(
            'SELECT puballtables FROM pg_publication WHERE pubname = $1',
            [name],
          );
          if (pub.rows[0] && !pub.rows[0].puballtables)
            throw new ReverseReplicationConflictError(
              `${pair.newPrimary.host}/${db}: publication ${name} exists but is not FOR ALL TABLES; not ours, nothing touched`,
            );
          if (!pub.rows[0]) await c.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES`);
          const slot = await c.query<{ lsn: string; plugin: string; database: string }>(
            'SELECT confirmed_flush_lsn::text AS lsn, plugin, database FROM pg_replication_slots WHERE slot_name = $1',
            [name],
          );
          if (slot.rows[0]) {
            if (slot.rows[0].plugin !== 'pgoutput' || slot.rows[0].database !== db)
              throw new ReverseReplicationConflictError(
                `${pair.newPrimary.host}: slot ${name} exists but is not ours, nothing touched`,
              );
            return slot.rows[0].lsn;
          }
          const created = await c.query<{ lsn: string }>(
            `SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, 'pgoutput')`,
            [name],
          );
          return created.rows[0]?.lsn ?? '';
        });
        starts.push(`${db}@${lsn}`);
      }
      return { startPoint: starts.join(',') };
    },

    async start(pair) {
      const pw = await password(pair.newPrimary);
      for (const db of await databasesOf(pair.newPrimary)) {
        const name = reverseStreamName(pair.executionName, db);
        await withClient(pair.oldBlue, db, async (c) => {
          if ((await serverVersionNum(c)) < MIN_VERSION_NUM)
            throw new ReverseReplicationUnsupportedError(
              `${pair.oldBlue.host}: origin = none needs PostgreSQL 16 or later on old blue`,
            );
          const exists = await c.query('SELECT 1 FROM pg_subscription WHERE subname = $1', [name]);
          if (exists.rowCount) return;
          // sslmode=require: the server cannot be given the RDS CA bundle as a file, so it encrypts
          // without verifying; both instances sit in the same VPC.
          const conn = [
            `host=${conninfoValue(pair.newPrimary.host)}`,
            `port=${conninfoValue(pair.newPrimary.port)}`,
            `dbname=${conninfoValue(db)}`,
            `user=${conninfoValue(pair.newPrimary.user)}`,
            `password=${conninfoValue(pw)}`,
            `sslmode='require'`,
            `application_name=${conninfoValue(name)}`,
          ].join(' ');
          // create_slot = false, slot_name: the slot prepared before the switch fixes where we start.
          // copy_data = false: old blue already has everything up to the switch.
          // origin = none: skip what green only replayed from blue. disable_on_error: a broken stream
          // stops and says so instead of retrying in a loop.
          await c.query(
            `CREATE SUBSCRIPTION ${quoteIdent(name)} CONNECTION '${conn.replace(/'/g, "''")}' PUBLICATION ${quoteIdent(name)}
               WITH (create_slot = false, slot_name = '${name}', copy_data = false, origin = none, disable_on_error = true)`,
          );
        });
      }
      return this.status(pair);
    },

    async status(pair): Promise<ReverseStatus> {
      const reader = await openReader(pair);
      try {
        return await reader.read();
      } finally {
        await reader.close();
      }
    },

    openStatusReader: openReader,

    async stop(pair) {
      const removal = await this.openStop(pair);
      try {
        await removal.stop();
      } finally {
        await removal.close();
      }
    },

    async openStop(pair) {
      const { session, close } = pairSessions(pair);
      // Connected now, acted on later: both home databases, the list of databases, and every database's
      // two sessions (with one database, the usual case, these are the home sessions).
      const home = session('newPrimary', pair.newPrimary.name);
      const oldBlueHome = session('oldBlue', pair.oldBlue.name);
      const listed = home
        .then(userDatabases)
        .catch(() => oldBlueHome.then(userDatabases))
        .then((dbs) => {
          for (const db of dbs) {
            session('newPrimary', db).catch(() => undefined);
            session('oldBlue', db).catch(() => undefined);
          }
          return dbs;
        });
      listed.catch(() => undefined);
      const stop = async () => {
        const left: string[] = [];
        const dbs = await listed;
        // Every database at once, and within one the two sides overlap: the new primary ends the walsender
        // and drops the slot as soon as old blue has disabled its subscription and detached it from the
        // slot (slot_name = NONE), while old blue's DROP SUBSCRIPTION still waits for its apply worker.
        // Disabled first, so the apply worker does not reconnect to the slot once its walsender is gone.
        const stopOne = (db: string) => {
          const name = reverseStreamName(pair.executionName, db);
          let detached: () => void = () => undefined;
          const detachedOnOldBlue = new Promise<void>((resolve) => {
            detached = resolve;
          });
          const onOldBlue = session('oldBlue', db)
            .then(async (c) => {
              if (!(await c.query('SELECT 1 FROM pg_subscription WHERE subname = $1', [name])).rowCount)
                return;
              await c.query(`ALTER SUBSCRIPTION ${quoteIdent(name)} DISABLE`);
              // Detach the slot: we drop it on the new primary ourselves, even when old blue cannot reach it.
              await c.query(`ALTER SUBSCRIPTION ${quoteIdent(name)} SET (slot_name = NONE)`);
              detached();
              // Returns once the apply worker has exited: old blue applies nothing after this.
              await c.query(`DROP SUBSCRIPTION ${quoteIdent(name)}`);
            })
            .catch((e: Error) => {
              left.push(`subscription ${name} on ${pair.oldBlue.host}/${db}: ${e.message}`);
            })
            .finally(() => detached());
          const onPrimary = session('newPrimary', db)
            .then(async (c) => {
              await detachedOnOldBlue;
              // The walsender still holding the slot is ours: end it and wait (up to 5 s) until it is gone,
              // or the slot cannot be dropped.
              await c.query(
                `SELECT pg_terminate_backend(active_pid, 5000) FROM pg_replication_slots
                  WHERE slot_name = $1 AND active_pid IS NOT NULL`,
                [name],
              );
              await c.query(
                `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`,
                [name],
              );
              await c.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(name)}`);
            })
            .catch((e: Error) => {
              left.push(`slot/publication ${name} on ${pair.newPrimary.host}/${db}: ${e.message}`);
            });
          return Promise.all([onOldBlue, onPrimary]);
        };
        await Promise.all(dbs.map(stopOne));
        if (left.length) throw new Error(`reverse stream not fully removed (retry stop): ${left.join('; ')}`);
      };
      return { stop, close };
    },
  };
};
