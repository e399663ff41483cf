/**
 * The MariaDB engine: RDS for MariaDB on the real MariaDB binary, and the RDS for MySQL stand-in on the
 * same binary. Green is a physical copy (mariabackup) replicating by binlog GTID with parallel apply;
 * the switchover is `read_only` on blue, KILL of client sessions, MASTER_GTID_WAIT, promotion
 * (emulator/README.md, "Blue/Green on real MariaDB").
 */
import mysql from 'mysql2/promise';
import {
  countClients,
  ensureHeartbeatTable,
  ensureReplUser,
  forgetSource,
  killClients,
  longWriteTransactions,
  pointReplica,
  promoteReplica,
  replicaStatus,
  waitCaughtUp,
} from '../mariadb/replication.ts';
import { MariaServer } from '../mariadb/server.ts';
import { tlsClientOptions } from '../tls.ts';
import type { DbServer, Engine, LongWriter, ReplicationHealth } from './types.ts';

export const asMaria = (s: DbServer | undefined): MariaServer => {
  if (!(s instanceof MariaServer)) throw new Error(`server ${s?.cfg.id ?? '?'} is not a MariaDB server`);
  return s;
};

const quoteIdent = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

export const mariadbEngine: Engine = {
  kind: 'mariadb',
  readOnlyParameter: 'read_only',
  defaultPort: 3306,

  newServer(rec, inst, { log, tls }) {
    return new MariaServer(
      {
        id: rec.id,
        dir: rec.dir,
        port: rec.port,
        superuser: inst.masterUsername,
        password: inst.masterPassword,
        tls,
      },
      log,
    );
  },

  beforeStart() {},

  async afterStart(host, rec, server) {
    // A replica starts with --skip-slave-start: point it at the source's port of this run, then start.
    if (!rec.replica) return;
    const source = host.serverRecord(rec.replica.sourceServerId);
    if (!source) throw new Error(`replica ${rec.id}: source server ${rec.replica.sourceServerId} is gone`);
    await pointReplica(asMaria(server), source.port, rec.replica.password, rec.replica.gtid);
    if (rec.replica.gtid !== undefined) {
      delete rec.replica.gtid; // from now on green's own gtid_slave_pos is the position
      host.save();
    }
    if (rec.replica.stalled) await asMaria(server).query('STOP SLAVE SQL_THREAD');
  },

  async initialize(server, dbName) {
    const s = asMaria(server);
    await s.initialize();
    if (dbName) await s.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(dbName)}`);
  },

  async runSql(server, sql, dbName) {
    await asMaria(server).admin(async (c) => {
      if (dbName) await c.query(`USE ${quoteIdent(dbName)}`);
      await c.query(sql);
    });
  },

  async buildGreen(host, _dep, blue, rec, green) {
    const b = asMaria(blue);
    const password = await ensureReplUser(b);
    await ensureHeartbeatTable(b);
    const g = asMaria(host.serverFor(rec, green));
    const { gtid } = await b.backupTo(rec.dir);
    // Green is read-only from its first start (RDS keeps MySQL-family green read_only).
    g.markReadOnly(true);
    rec.replica = { sourceServerId: blue.cfg.id, password, gtid };
    host.save();
    await host.startServer(rec, green); // afterStart points it at blue and starts the slave
  },

  async upgradeTask() {
    // One binary: a minor-version "upgrade" is a label on the same server (emulator/README.md).
  },

  async setStall({ green, rec }, stalled) {
    if (!rec.replica) return;
    rec.replica.stalled = stalled;
    await asMaria(green).query(stalled ? 'STOP SLAVE SQL_THREAD' : 'START SLAVE SQL_THREAD');
  },

  async health(_dep, { green, rec }): Promise<ReplicationHealth> {
    if (!rec.replica) return { healthy: false, bytes: 0, detail: 'green does not replicate from blue' };
    const st = await replicaStatus(asMaria(green));
    if (!st) return { healthy: false, bytes: 0, detail: 'green has no replication configured' };
    const healthy = st.io && st.sql;
    return {
      healthy,
      ...(st.secondsBehind !== null ? { seconds: st.secondsBehind } : {}),
      bytes: 0,
      ...(healthy
        ? {}
        : {
            detail: `${!st.sql ? 'the replication SQL thread on green is stopped' : 'the replication IO thread on green is not connected to blue'}${st.lastError ? `: ${st.lastError}` : ''}`,
          }),
    };
  },

  async degradation() {
    return undefined; // binlog replication carries DDL
  },

  async metric(metric, server, pairAsGreen) {
    const s = asMaria(server);
    if (metric === 'DatabaseConnections') return countClients(s);
    if (metric === 'ReplicaLag') {
      if (!pairAsGreen?.rec.replica) return undefined;
      // RDS: Seconds_Behind_Master; -1 when replication is not running (RDS User Guide, Blue/Green Deployments: monitoring replica lag).
      const st = await replicaStatus(s);
      return st?.secondsBehind ?? -1;
    }
    return undefined;
  },

  setReadOnly: (server, on) => asMaria(server).setReadOnly(on),

  async setMasterPassword(server, user, password) {
    await asMaria(server).query(`ALTER USER ?@'%' IDENTIFIED BY ?`, [user, password]);
  },

  async terminateClients(server) {
    await killClients(asMaria(server));
  },

  async longWriters(server, olderThanMs): Promise<LongWriter[]> {
    const rows = await longWriteTransactions(asMaria(server), olderThanMs);
    return rows.map((r) => ({ id: r.id, ms: r.ms, query: r.query, app: r.user }));
  },

  async openLongWrite(server, dbName) {
    const s = asMaria(server);
    // As the master user over TCP, like an application (root sessions are the emulator's own).
    const c = await mysql.createConnection({
      host: '127.0.0.1',
      port: s.port,
      user: s.cfg.superuser,
      password: s.cfg.password,
      ...(dbName ? { database: dbName } : {}),
      ...(s.cfg.tls ? { ssl: tlsClientOptions(s.cfg.tls) } : {}),
    });
    c.on('error', () => {});
    await c.query('START TRANSACTION');
    const [t] = await c.query(
      "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders'",
    );
    if (dbName && Number((t as Array<{ n: number }>)[0]?.n) > 0)
      await c.query('UPDATE orders SET amount_cents = amount_cents + 1 ORDER BY id LIMIT 1');
    else
      await c
        .query('CREATE TEMPORARY TABLE IF NOT EXISTS switchyard_long_write (id INT) ENGINE=InnoDB')
        .then(() => c.query('INSERT INTO switchyard_long_write VALUES (1)'));
    return async () => {
      await c.query('ROLLBACK').catch(() => {});
      await c.end().catch(() => {});
    };
  },

  catchUp: ({ blue, green }, deadline) => waitCaughtUp(asMaria(blue), asMaria(green), deadline),

  async beforePromote() {
    // Row-based replication keeps AUTO_INCREMENT counters in step: no sequence sync.
  },

  async promote({ green, rec }, commit) {
    await promoteReplica(asMaria(green), commit);
    delete rec.replica;
  },

  async afterSwitchover(host, dep, { green }) {
    await forgetSource(asMaria(green)); // RESET SLAVE ALL, off the write path
    const [st] = await asMaria(green).query<{ File: string; Position: number }>('SHOW MASTER STATUS');
    if (st)
      host.deploymentEvent(
        dep,
        undefined, // RDS User Guide (switching over) documents the message, not its event ID
        'notification',
        `Binary log coordinates in green environment after switchover: file ${st.File} and position ${st.Position}`,
      );
  },

  async detachGreen() {
    // RDS for MySQL/MariaDB: replication between blue and green continues (RDS User Guide, Blue/Green Deployments: deleting).
    return { keepsReplicating: true };
  },

  async forgetGreen() {
    // Nothing on blue belongs to green (no slots): stopping green's server ends its binlog dump thread.
  },

  async snapshot(server, dir) {
    await asMaria(server).backupTo(dir);
  },

  replicating: (rec) => !!rec?.replica,
};
