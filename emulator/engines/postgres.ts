/**
 * The PostgreSQL engine: physical streaming replication for the same major, logical replication for a
 * major-version upgrade (RDS User Guide, Blue/Green Deployments: replication types). The code moved here from rds/bluegreen.ts unchanged
 * in substance; only the engine-neutral sequencing stayed there.
 */

import { detectDegradation, replicationBaseline } from '../pg/degrade.ts';
import {
  dropLogical,
  logicalHealthy,
  logicalLagBytes,
  schemaFingerprint,
  setSubscriptionsEnabled,
  setupLogical,
  syncSequences,
  waitLogicalCatchUp,
} from '../pg/logical.ts';
import { baseBackup, makeStandby, physicalLag, physicalSlotName } from '../pg/physical.ts';
import { ADMIN_APP, PgServer } from '../pg/server.ts';
import { ident, sleep } from '../util.ts';
import type { DbServer, Engine, LongWriter, ReplicationHealth } from './types.ts';

export const asPg = (s: DbServer | undefined): PgServer => {
  if (!(s instanceof PgServer)) throw new Error(`server ${s?.cfg.id ?? '?'} is not a PostgreSQL server`);
  return s;
};

export const setPgReadOnly = async (server: PgServer, on: boolean): Promise<void> => {
  await server.query(
    on
      ? 'ALTER SYSTEM SET default_transaction_read_only = on'
      : 'ALTER SYSTEM RESET default_transaction_read_only',
  );
  await server.query('SELECT pg_reload_conf()');
};

export const postgresEngine: Engine = {
  kind: 'postgres',
  readOnlyParameter: 'default_transaction_read_only',
  defaultPort: 5432,

  newServer(rec, inst, ctx) {
    return new PgServer(
      {
        id: rec.id,
        dir: rec.dir,
        port: rec.port,
        major: rec.major,
        superuser: inst.masterUsername,
        password: inst.masterPassword,
        tls: ctx.tls,
        forceSsl: ctx.forceSsl,
      },
      ctx.log,
    );
  },

  beforeStart(host, rec, server) {
    const s = asPg(server);
    if (rec.standby) {
      const primary = host.serverRecord(rec.standby.primaryServerId);
      if (primary) s.cfg.standby = { primaryPort: primary.port, slot: rec.standby.slot };
    } else delete s.cfg.standby;
  },

  async afterStart() {},

  async initialize(server, dbName) {
    const s = asPg(server);
    await s.initdb();
    await s.start();
    if (dbName && dbName !== 'postgres') await s.query(`CREATE DATABASE ${ident(dbName)}`);
  },

  async runSql(server, sql, dbName) {
    await asPg(server).query(sql, [], dbName ?? 'postgres');
  },

  async buildGreen(host, dep, blue, rec, green) {
    if (dep.method === 'physical') {
      const slot = physicalSlotName(rec.id);
      await baseBackup(asPg(blue), rec.dir, { slot });
      await makeStandby(rec.dir);
      rec.standby = { primaryServerId: blue.cfg.id, slot };
      host.save();
      await host.startServer(rec, green);
    } else {
      await asPg(host.serverFor(rec, green)).initdb();
      await host.startServer(rec, green);
    }
  },

  async upgradeTask(host, dep, { blue, green, rec }) {
    if (dep.method !== 'logical') return;
    const links = await setupLogical(asPg(blue), asPg(green), `bg_${dep.id.replace(/-/g, '_')}`, (l) =>
      host.log(l),
    );
    rec.logical = { publisherServerId: blue.cfg.id, links };
    await setPgReadOnly(asPg(green), true);
    dep.fingerprint = await schemaFingerprint(asPg(blue), links);
    dep.replicationBaseline = await replicationBaseline(asPg(blue), asPg(green), links);
    host.save();
  },

  async setStall({ green, rec }, stalled) {
    const g = asPg(green);
    if (rec.standby)
      await g.query(stalled ? 'SELECT pg_wal_replay_pause()' : 'SELECT pg_wal_replay_resume()');
    else if (rec.logical) await setSubscriptionsEnabled(g, rec.logical.links, !stalled);
  },

  async health(_dep, { blue, green, rec }): Promise<ReplicationHealth> {
    const b = asPg(blue);
    const g = asPg(green);
    if (rec.standby) {
      const lag = await physicalLag(b, g);
      const [w] = await g.query<{ paused: boolean; streaming: boolean }>(
        `SELECT pg_is_wal_replay_paused() AS paused, EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') AS streaming`,
      );
      const healthy = !!w && !w.paused && w.streaming;
      return {
        healthy,
        seconds: lag.seconds,
        bytes: lag.bytes,
        ...(healthy
          ? {}
          : { detail: w?.paused ? 'WAL replay on green is paused' : 'green is not streaming from blue' }),
      };
    }
    if (rec.logical) {
      const bytes = await logicalLagBytes(b, rec.logical.links);
      const healthy = await logicalHealthy(g, rec.logical.links);
      return {
        healthy,
        bytes,
        ...(healthy ? {} : { detail: 'logical replication to green is not running' }),
      };
    }
    return { healthy: false, bytes: 0, detail: 'green does not replicate from blue' };
  },

  async degradation(dep, { blue, green, rec }) {
    if (!rec.logical) return undefined;
    if (dep.replicationBaseline)
      return detectDegradation(asPg(blue), asPg(green), rec.logical.links, dep.replicationBaseline);
    // A deployment created before baselines existed: the schema fingerprint alone.
    if (!dep.fingerprint) return undefined;
    const now = await schemaFingerprint(asPg(blue), rec.logical.links);
    return now === dep.fingerprint
      ? undefined
      : {
          cause: 'ddl',
          message: 'DDL or large-object changes were made on the blue environment during logical replication',
        };
  },

  async metric(metric, server, pairAsGreen) {
    const s = asPg(server);
    if (metric === 'DatabaseConnections') {
      const [r] = await s.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name <> $1`,
        [ADMIN_APP],
      );
      return r?.n ?? 0;
    }
    if (metric === 'ReplicaLag') {
      if (!pairAsGreen?.rec.standby || !pairAsGreen.blue.running) return undefined;
      return (await physicalLag(asPg(pairAsGreen.blue), s)).seconds;
    }
    if (metric === 'OldestReplicationSlotLag') {
      const [r] = await s.query<{ lag: string | null }>(
        `SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn))::text AS lag FROM pg_replication_slots WHERE slot_type = 'logical'`,
      );
      return r?.lag == null ? undefined : Math.max(0, Number(r.lag));
    }
    if (metric === 'ReplicationSlotDiskUsage' || metric === 'TransactionLogsDiskUsage') {
      const [r] = await s.query<{ b: string | null }>(
        `SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn))::text AS b FROM pg_replication_slots`,
      );
      return Math.max(0, Number(r?.b ?? 0));
    }
    return undefined;
  },

  setReadOnly: (server, on) => setPgReadOnly(asPg(server), on),

  async setMasterPassword(server, user, password) {
    await asPg(server).query(`ALTER ROLE ${ident(user)} PASSWORD '${password.replace(/'/g, "''")}'`);
  },

  async terminateClients(server) {
    await asPg(server).query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name <> $1`,
      [ADMIN_APP],
    );
  },

  async longWriters(server, olderThanMs): Promise<LongWriter[]> {
    const rows = await asPg(server).query<{ pid: number; ms: number; query: string; app: string }>(
      `SELECT pid, (extract(epoch FROM now() - xact_start) * 1000)::int AS ms, left(query, 200) AS query, application_name AS app
         FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL AND backend_type = 'client backend' AND application_name <> $1 AND xact_start < now() - make_interval(secs => $2::float8 / 1000)
        ORDER BY xact_start`,
      [ADMIN_APP, olderThanMs],
    );
    return rows.map((r) => ({ id: r.pid, ms: r.ms, query: r.query, app: r.app }));
  },

  async openLongWrite(server) {
    const client = await asPg(server).client();
    await client.query("SET application_name = 'switchyard-fault-long-write'");
    await client.query('BEGIN');
    await client.query('SELECT pg_current_xact_id()');
    const [hasOrders] = (await client.query(`SELECT to_regclass('public.orders') IS NOT NULL AS ok`))
      .rows as Array<{ ok: boolean }>;
    if (hasOrders?.ok)
      await client
        .query('UPDATE public.orders SET id = id WHERE id = (SELECT min(id) FROM public.orders)')
        .catch(() => {});
    return async () => {
      await client.query('ROLLBACK').catch(() => {});
      await client.end().catch(() => {});
    };
  },

  async catchUp({ blue, green, rec }, deadline) {
    const b = asPg(blue);
    const g = asPg(green);
    // A WAL record of our own marks the position green must reach (blue takes no other writes now).
    const [pos] = await b.query<{ lsn: string }>(
      "SELECT pg_logical_emit_message(false, 'switchyard', 'switchover', true)::text AS lsn",
    );
    const target = pos?.lsn ?? '0/0';
    if (rec.standby) {
      while (Date.now() < deadline) {
        const [r] = await g.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [
          target,
        ]);
        if (r?.ok) return true;
        await sleep(20);
      }
      return false;
    }
    if (rec.logical) return waitLogicalCatchUp(b, rec.logical.links, target, deadline);
    return false;
  },

  async beforePromote(host, dep, { blue, green, rec }) {
    // Sequences: logical replication does not carry them.
    if (!rec.logical) return;
    host.deploymentEvent(
      dep,
      'RDS-EVENT-0307',
      'notification',
      'Sequence sync for switchover of blue/green deployment has initiated. Switchover when using sequences may lead to extended downtime.',
    );
    const n = await syncSequences(asPg(blue), asPg(green), rec.logical.links);
    host.deploymentEvent(
      dep,
      'RDS-EVENT-0308',
      'notification',
      `Sequence sync for switchover of blue/green deployment has completed (${n} sequences).`,
    );
  },

  async promote({ blue, green, rec }, commit) {
    const b = asPg(blue);
    const g = asPg(green);
    if (rec.standby) {
      const [r] = await g.query<{ ok: boolean }>('SELECT pg_promote(true, 60) AS ok');
      if (!r?.ok) throw new Error('green could not be promoted');
      commit();
      const slot = rec.standby.slot;
      delete rec.standby;
      delete g.cfg.standby;
      for (let i = 0; i < 100; i++) {
        const [s] = await b.query<{ active: boolean }>(
          'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
          [slot],
        );
        if (!s) break;
        if (!s.active) {
          await b.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => {});
          break;
        }
        await sleep(50);
      }
    } else if (rec.logical) {
      commit();
      await dropLogical(b, g, rec.logical.links);
      delete rec.logical;
    }
    await setPgReadOnly(g, false);
  },

  async afterSwitchover() {},

  async detachGreen({ blue, green, rec }) {
    // PostgreSQL: green is promoted to a standalone instance and replication stops (§2.5).
    const g = asPg(green);
    if (rec.standby) {
      await g.query('SELECT pg_wal_replay_resume()').catch(() => {});
      await g.query('SELECT pg_promote(true, 60)');
      const slot = rec.standby.slot;
      delete rec.standby;
      delete g.cfg.standby;
      await sleep(100);
      if (blue.running)
        await asPg(blue)
          .query(
            'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
            [slot],
          )
          .catch(() => {});
    } else if (rec.logical) {
      await dropLogical(asPg(blue), g, rec.logical.links);
      delete rec.logical;
    }
    await setPgReadOnly(g, false);
    return { keepsReplicating: false };
  },

  async forgetGreen(blue, green, rec) {
    const b = blue instanceof PgServer ? blue : undefined;
    const g = green instanceof PgServer ? green : undefined;
    if (rec.logical) await dropLogical(b, g, rec.logical.links).catch(() => {});
    // A physical slot can only be dropped once green's walreceiver is gone: stop green first.
    if (rec.standby) await green?.stop();
    if (!b?.running) return;
    if (rec.standby)
      await b
        .query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [
          rec.standby.slot,
        ])
        .catch(() => {});
    if (rec.logical)
      for (const l of rec.logical.links)
        await b
          .query(
            'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
            [l.subscription],
          )
          .catch(() => {});
  },

  async snapshot(server, dir) {
    await baseBackup(asPg(server), dir, { includeWal: true });
  },

  replicating: (rec) => !!rec?.standby || !!rec?.logical,
};
