/**
 * Reverse replication for MariaDB (docs/reverse-replication.md): after the switch, old blue becomes a GTID
 * replica of the new primary, set up the only way RDS for MariaDB lets its master user do it: RDS's stored
 * procedures on old blue's default (unnamed) connection. `mysql.rds_set_external_master_gtid(new primary,
 * port, user, password, <old blue's @@gtid_current_pos>, 1)`, then `mysql.rds_start_replication`; status
 * through `mysql.rds_replica_status`; `mysql.rds_stop_replication` and `mysql.rds_reset_external_master` to
 * end it. The master user has no CHANGE MASTER, START/STOP/RESET SLAVE or SHOW SLAVE STATUS of its own
 * (RDS User Guide, "Master user account privileges" and mysql.rds_replica_status).
 *
 * Why this starts exactly at the switch point: old blue is read-only from the switch on, so its
 * @@gtid_current_pos is the last transaction blue committed; green logged every one of them in its own
 * binlog (log_slave_updates) under blue's GTIDs, so asking green for "everything after that position"
 * returns only what was written on green after the switch, once. Nothing needs creating before the
 * switch: `prepare` checks that green's binlog can serve the stream and that old blue has no replica
 * connection of another source (the procedures manage one), and reports green's position.
 *
 * One connection, so one proof: before stopping or resetting it, the gateway checks that it points at the
 * new primary's endpoint as the user it gave (src/domain/mariadb-replica-connection.ts); another source's
 * connection is never touched (start and stop refuse, status says `broken` with the reason).
 *
 * MariaDB only: a MySQL server (CHANGE REPLICATION SOURCE … FOR CHANNEL) is refused with the reason.
 */
import type mysql from 'mysql2/promise';
import {
  type ConnectionVerdict,
  judgeReplicaConnection,
  parseReplicaRow,
} from '#domain/mariadb-replica-connection';
import {
  type MariaReverseFacts,
  mariaReverseStatus,
  ReverseReplicationConflictError,
  ReverseReplicationUnsupportedError,
} from '#domain/reverse-replication';
import type { DatabaseTarget } from './database-gateway.ts';
import { connectMysql } from './mysql-connection.ts';
import { readReplicaStatusRow } from './mysql-database.ts';
import type { ParameterReader } from './parameters.ts';
import type { ReverseReplicationGateway, ReverseReplicationPair } from './reverse-replication-gateway.ts';

type Row = Record<string, unknown>;

export const makeMariadbReverseReplication = (readParameter: ParameterReader): ReverseReplicationGateway => {
  /** A session on `target`, refused unless the server is MariaDB (MySQL's replication syntax differs). */
  const open = async (target: DatabaseTarget): Promise<mysql.Connection> => {
    const engine = target.engine === 'mysql' ? 'mysql' : 'mariadb';
    const c = await connectMysql(
      {
        host: target.host,
        port: target.port,
        database: target.name,
        user: target.user,
        password: await readParameter(target.passwordParameter),
      },
      { engine },
    );
    c.on('error', () => undefined);
    try {
      const [rows] = await c.query('SELECT @@version AS v');
      const version = String((rows as Row[])[0]?.v ?? '');
      if (!/mariadb/i.test(version))
        throw new ReverseReplicationUnsupportedError(
          `${target.host}: MySQL ${version} is not supported for reverse replication yet (MariaDB only); set failBack.enabled=false`,
        );
      return c;
    } catch (e) {
      await c.end().catch(() => undefined);
      throw e;
    }
  };
  const withConnection = async <T>(
    target: DatabaseTarget,
    fn: (c: mysql.Connection) => Promise<T>,
  ): Promise<T> => {
    const c = await open(target);
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const one = async (c: mysql.Connection, sql: string, params: unknown[] = []): Promise<Row | undefined> => {
    const [rows] = await c.query(sql, params);
    return (rows as Row[])[0];
  };
  /** Old blue's default connection judged against the new primary Switchyard points it at. */
  const verdictOn = async (c: mysql.Connection, pair: ReverseReplicationPair): Promise<ConnectionVerdict> =>
    judgeReplicaConnection(parseReplicaRow(await readReplicaStatusRow(c)), {
      host: pair.newPrimary.host,
      port: pair.newPrimary.port,
      user: pair.newPrimary.user,
    });

  /** What status reports from both positions and old blue's connection as judged. */
  const factsOf = (primaryPos: string, replicaPos: string, verdict: ConnectionVerdict): MariaReverseFacts => {
    if (verdict.kind === 'foreign') return { primaryPos, replicaPos, foreignSource: verdict.reason };
    if (verdict.kind === 'none') return { primaryPos, replicaPos };
    const { ioState, sqlRunning, lastError } = verdict.row;
    return {
      primaryPos,
      replicaPos,
      connection: {
        ioRunning: ioState === 'Yes',
        // Preparing, then Connecting: the moments right after the start (or a reconnect).
        ioConnecting: ioState === 'Connecting' || ioState === 'Preparing',
        sqlRunning,
        lastError,
      },
    };
  };

  return {
    async prepare(pair) {
      const startPoint = await withConnection(pair.newPrimary, async (c) => {
        const s = await one(
          c,
          'SELECT @@GLOBAL.log_bin AS log_bin, @@GLOBAL.log_slave_updates AS lsu, @@GLOBAL.binlog_format AS fmt, @@GLOBAL.gtid_current_pos AS pos',
        );
        // Without these, green's binlog lacks blue's transactions and old blue could not find its position in it.
        if (Number(s?.log_bin) !== 1 || Number(s?.lsu) !== 1)
          throw new ReverseReplicationUnsupportedError(
            `${pair.newPrimary.host}: green must write a binary log including replicated changes (log_bin=1, log_slave_updates=1; on RDS: automated backups on) for old blue to follow it`,
          );
        if (s?.fmt !== 'ROW')
          throw new ReverseReplicationUnsupportedError(
            `${pair.newPrimary.host}: binlog_format is ${String(s?.fmt)}; set binlog_format=ROW in the target DB parameter group`,
          );
        return String(s?.pos ?? '');
      });
      // Blue (old blue to be) must have its one replica connection free: RDS's procedures manage one source.
      await withConnection(pair.oldBlue, async (c) => {
        const row = parseReplicaRow(await readReplicaStatusRow(c));
        if (row)
          throw new ReverseReplicationUnsupportedError(
            `${pair.oldBlue.host}: blue already replicates from ${row.sourceUser}@${row.sourceHost}:${row.sourcePort}; RDS for MariaDB's procedures manage one source, so old blue could not follow the new primary after the switch: remove that replication or set failBack.enabled=false`,
          );
      });
      return { startPoint };
    },

    async start(pair) {
      const password = await readParameter(pair.newPrimary.passwordParameter);
      await withConnection(pair.oldBlue, async (c) => {
        const verdict = await verdictOn(c, pair);
        if (verdict.kind === 'foreign') throw new ReverseReplicationConflictError(verdict.reason);
        if (verdict.kind === 'none') {
          // Old blue's own last GTID (it was the primary until the switch) is where it resumes.
          const pos = String((await one(c, 'SELECT @@GLOBAL.gtid_current_pos AS p'))?.p ?? '');
          // ssl_encryption 1: encrypted; RDS's procedure never verifies the certificate (no CA on the instance).
          await c.query('CALL mysql.rds_set_external_master_gtid(?, ?, ?, ?, ?, 1)', [
            pair.newPrimary.host,
            pair.newPrimary.port,
            pair.newPrimary.user,
            password,
            pos,
          ]);
        }
        if (verdict.kind === 'none' || verdict.row.ioState !== 'Yes' || !verdict.row.sqlRunning)
          await c.query('CALL mysql.rds_start_replication');
      });
      return this.status(pair);
    },

    async status(pair) {
      const reader = await this.openStatusReader(pair);
      try {
        return await reader.read();
      } finally {
        await reader.close();
      }
    },

    // One session on each side, opened at once and kept for every read (CheckReverseCatchUp re-reads).
    async openStatusReader(pair) {
      const settled = await Promise.allSettled([open(pair.newPrimary), open(pair.oldBlue)]);
      const sessions = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const close = async () => {
        await Promise.all(sessions.splice(0).map((c) => c.end().catch(() => undefined)));
      };
      const [onPrimary, onOldBlue] = settled;
      if (onPrimary?.status !== 'fulfilled' || onOldBlue?.status !== 'fulfilled') {
        await close();
        throw settled.find((r) => r.status === 'rejected')?.reason;
      }
      const primary = onPrimary.value;
      const oldBlue = onOldBlue.value;
      return {
        // The new primary's position first: old blue's, read after it, can only be as current or more.
        read: async () => {
          const primaryPos = String((await one(primary, 'SELECT @@GLOBAL.gtid_binlog_pos AS p'))?.p ?? '');
          const verdict = await verdictOn(oldBlue, pair);
          // What old blue applied from the stream (gtid_slave_pos), not gtid_current_pos: a transaction old
          // blue logs itself (RDS's own writes, e.g. its heartbeat table, bypass read_only) would count in
          // current_pos and make the stream look caught up early.
          const replicaPos = String((await one(oldBlue, 'SELECT @@GLOBAL.gtid_slave_pos AS p'))?.p ?? '');
          const facts = factsOf(primaryPos, replicaPos, verdict);
          return mariaReverseStatus(facts, new Date());
        },
        // GTID positions are read directly: there is nothing to settle.
        nudge: async () => undefined,
        close,
      };
    },

    async stop(pair) {
      await withConnection(pair.oldBlue, async (c) => {
        const verdict = await verdictOn(c, pair);
        if (verdict.kind === 'none') return;
        // Nothing destructive on an inferred identity: only the connection proved to be ours is reset.
        if (verdict.kind === 'foreign') throw new ReverseReplicationConflictError(verdict.reason);
        await c.query('CALL mysql.rds_stop_replication');
        await c.query('CALL mysql.rds_reset_external_master');
      });
    },

    // One short connection does it all here; nothing to open ahead.
    async openStop(pair) {
      return { stop: () => this.stop(pair), close: async () => undefined };
    },
  };
};
