/**
 * Reverse replication for MariaDB (docs/reverse-replication.md): after the switch, old blue becomes a GTID
 * replica of the new primary through a replica connection named after the execution
 * (`CHANGE MASTER '<name>' TO … MASTER_USE_GTID = current_pos`).
 *
 * Why this starts exactly at the switch point: old blue is read-only from the switch on, so its
 * @@gtid_current_pos is the last transaction blue committed; green logged every one of them in its own
 * binlog (log_slave_updates) under blue's GTIDs, so asking green for "everything after current_pos"
 * returns only what was written on green after the switch, once. Nothing needs creating before the
 * switch: `prepare` checks that green's binlog can serve the stream and reports its position.
 *
 * MariaDB syntax only: a MySQL server (CHANGE REPLICATION SOURCE … FOR CHANNEL) is refused with the reason.
 */
import type mysql from 'mysql2/promise';
import {
  type MariaReverseFacts,
  mariaReverseStatus,
  ReverseReplicationUnsupportedError,
  reverseStreamName,
} from '#domain/reverse-replication';
import type { DatabaseTarget } from './database-gateway.ts';
import { connectMysql } from './mysql-connection.ts';
import type { ParameterReader } from './parameters.ts';
import type { ReverseReplicationGateway, ReverseReplicationPair } from './reverse-replication-gateway.ts';

type Row = Record<string, unknown>;

const NO_SUCH_CONNECTION = 1617; // ER_MASTER_CONNECTION_NOT_FOUND ("There is no master connection '…'")

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
  const nameOf = (pair: ReverseReplicationPair) => reverseStreamName(pair.executionName, pair.oldBlue.name);
  /** Our named connection's row of SHOW SLAVE STATUS, or undefined when old blue has none. */
  const connectionStatus = async (c: mysql.Connection, name: string): Promise<Row | undefined> => {
    try {
      return await one(c, `SHOW SLAVE '${name}' STATUS`);
    } catch (e) {
      if ((e as { errno?: number }).errno === NO_SUCH_CONNECTION) return undefined;
      throw e;
    }
  };

  return {
    async prepare(pair) {
      return withConnection(pair.newPrimary, async (c) => {
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
        return { startPoint: String(s?.pos ?? '') };
      });
    },

    async start(pair) {
      const name = nameOf(pair);
      const password = await readParameter(pair.newPrimary.passwordParameter);
      await withConnection(pair.oldBlue, async (c) => {
        if (!(await connectionStatus(c, name))) {
          // current_pos: old blue's own last GTID (it was the primary until the switch) is where it resumes.
          // MASTER_SSL without a CA file: the server has no RDS CA bundle to verify with; same VPC.
          await c.query(
            `CHANGE MASTER '${name}' TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_USE_GTID = current_pos, MASTER_SSL = 1, MASTER_CONNECT_RETRY = 5`,
            [pair.newPrimary.host, pair.newPrimary.port, pair.newPrimary.user, password],
          );
        }
        await c.query(`START SLAVE '${name}'`);
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
      const name = nameOf(pair);
      return {
        // The new primary's position first: old blue's, read after it, can only be as current or more.
        read: async () => {
          const primaryPos = String(
            (await one(onPrimary.value, 'SELECT @@GLOBAL.gtid_binlog_pos AS p'))?.p ?? '',
          );
          const row = await connectionStatus(onOldBlue.value, name);
          const replicaPos = String(
            (await one(onOldBlue.value, 'SELECT @@GLOBAL.gtid_current_pos AS p'))?.p ?? '',
          );
          const facts: MariaReverseFacts = {
            primaryPos,
            replicaPos,
            ...(row
              ? {
                  connection: {
                    ioRunning: row.Slave_IO_Running === 'Yes',
                    // Preparing, then Connecting: the moments right after START SLAVE (or a reconnect).
                    ioConnecting:
                      row.Slave_IO_Running === 'Connecting' || row.Slave_IO_Running === 'Preparing',
                    sqlRunning: row.Slave_SQL_Running === 'Yes',
                    lastError: String(row.Last_SQL_Error || row.Last_IO_Error || ''),
                  },
                }
              : {}),
          };
          return mariaReverseStatus(facts, new Date());
        },
        // GTID positions are read directly: there is nothing to settle.
        nudge: async () => undefined,
        close,
      };
    },

    async stop(pair) {
      const name = nameOf(pair);
      await withConnection(pair.oldBlue, async (c) => {
        if (!(await connectionStatus(c, name))) return;
        await c.query(`STOP SLAVE '${name}'`);
        await c.query(`RESET SLAVE '${name}' ALL`);
      });
    },
  };
};
