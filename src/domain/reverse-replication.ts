/**
 * Pure decisions of the reverse stream (issue #15): the names that make a stream provably an
 * execution's own, and the verdict read from the facts both sides report. No SQL runs here; the
 * engines' gateways (src/aws/reverse-replication-*.ts) gather the facts.
 */
import { SwitchyardError } from './errors.ts';

/** The stream's verdict; the same shape as ReverseStatus of the gateway contract (src/aws/reverse-replication-gateway.ts). */
export interface ReverseStatus {
  state: 'absent' | 'prepared' | 'replicating' | 'broken';
  lag: number | null;
  lagUnit: 'bytes' | 'transactions';
  detail: string;
  checkedAt: string;
}

/** The reverse stream cannot be set up for this pair (engine, version, parameter). Terminal: fail-back stays off. */
export class ReverseReplicationUnsupportedError extends SwitchyardError {
  override readonly name = 'ReverseReplicationUnsupportedError';
}

/** Something named like our stream exists but does not look like ours (other publication, other source). Terminal, nothing touched. */
export class ReverseReplicationConflictError extends SwitchyardError {
  override readonly name = 'ReverseReplicationConflictError';
}

/** The execution's name: the last segment of its ARN (what names the stream on every side). */
export const executionNameOf = (executionId: string): string =>
  executionId.slice(executionId.lastIndexOf(':') + 1);

/** FNV-1a, 32 bits, as 8 hex digits: short, stable, no crypto import in the domain layer. */
const fnv1a = (text: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
};

/**
 * The name of the execution's publication, slot and subscription in one database: `sy_fb_`, the
 * execution name made identifier-safe (readable by a DBA), and a hash of the exact execution name and
 * database (two executions or two databases never share a name; PostgreSQL slot names allow only
 * `[a-z0-9_]` and 63 bytes).
 */
export const reverseStreamName = (executionName: string, database: string): string => {
  if (!executionName)
    throw new ReverseReplicationConflictError(
      'the execution name is empty: the stream would not be provably ours',
    );
  const readable = executionName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 32);
  return `sy_fb_${readable}_${fnv1a(`${executionName}\u0000${database}`)}`;
};

/** What PostgreSQL reports about the stream of one database, on the new primary and on old blue. */
export interface PgReverseFacts {
  database: string;
  /** our logical slot on the new primary */
  slot?: {
    active: boolean;
    lagBytes: number | null;
    walStatus: string | null;
    confirmedFlushLsn: string | null;
    /** seconds since the slot was last in use (`inactive_since`, PostgreSQL 17+); null when active or unknown */
    inactiveSeconds?: number | null;
  };
  publication: boolean;
  /** our subscription on old blue */
  subscription?: { enabled: boolean; workerRunning: boolean; applyErrors: number };
}

/**
 * The stream's state over every database: `broken` if any database's part is broken, `replicating`
 * when every database applies, `prepared` when only the green side exists, `absent` when nothing does.
 * A subscription created with `disable_on_error` disables itself on its first apply error (a conflicting
 * row, a column missing since a schema change), so "disabled" is the reliable sign of a broken stream.
 */
/**
 * How long an enabled subscription may be without a streaming worker before it counts as broken: its
 * worker starts a moment after CREATE SUBSCRIPTION (or ENABLE) and restarts after a dropped connection
 * (wal_retrieve_retry_interval, 5 s by default), so a read in that moment is "connecting", not an alarm.
 */
export const REVERSE_CONNECT_GRACE_SECONDS = 60;

export const pgReverseStatus = (facts: PgReverseFacts[], now: Date): ReverseStatus => {
  const checkedAt = now.toISOString();
  const problems: string[] = [];
  const connecting: string[] = [];
  let lag = 0;
  let replicating = 0;
  let prepared = 0;
  let absent = 0;
  for (const f of facts) {
    // What old blue still has to apply, whatever the verdict: a stopped stream's lag grows.
    if (f.slot?.lagBytes != null) lag = Math.max(lag, f.slot.lagBytes);
    const where = `database ${f.database}`;
    if (!f.slot && !f.publication && !f.subscription) {
      absent++;
      continue;
    }
    if (!f.slot) {
      problems.push(
        `${where}: the logical slot on the new primary is gone; old blue no longer receives its writes (fail-back would lose them): keep the production name where it is, or rebuild old blue`,
      );
      continue;
    }
    if (f.slot.walStatus === 'lost') {
      problems.push(
        `${where}: the slot on the new primary lost WAL it still needed (max_slot_wal_keep_size); old blue misses writes: fail-back is no longer lossless`,
      );
      continue;
    }
    if (!f.publication) {
      problems.push(
        `${where}: the publication on the new primary was dropped; recreate it with FOR ALL TABLES under the same name`,
      );
      continue;
    }
    if (!f.subscription) {
      prepared++;
      continue;
    }
    if (!f.subscription.enabled) {
      problems.push(
        `${where}: the subscription on old blue stopped on an apply error (${f.subscription.applyErrors} so far: a conflicting row or a schema change made since the switch); see old blue's log, fix the row or schema there, then ALTER SUBSCRIPTION … ENABLE`,
      );
      continue;
    }
    if (!f.subscription.workerRunning || !f.slot.active) {
      const idle = f.slot.inactiveSeconds;
      if (f.slot.active || (idle != null && idle < REVERSE_CONNECT_GRACE_SECONDS)) {
        connecting.push(f.database);
        continue;
      }
      problems.push(
        `${where}: the subscription on old blue is enabled but not streaming${idle != null ? ` for ${Math.round(idle)} s` : ''} (worker restarting or the new primary unreachable)`,
      );
      continue;
    }
    replicating++;
  }
  if (problems.length)
    return {
      state: 'broken',
      lag: facts.some((f) => f.slot?.lagBytes != null) ? lag : null,
      lagUnit: 'bytes',
      detail: problems.join('; '),
      checkedAt,
    };
  if (absent === facts.length)
    return { state: 'absent', lag: null, lagUnit: 'bytes', detail: 'no reverse stream is set up', checkedAt };
  if (absent > 0)
    return {
      state: 'broken',
      lag: null,
      lagUnit: 'bytes',
      detail: `${absent} of ${facts.length} databases have no reverse stream: prepare ran before they existed, so their writes would be lost by a fail-back`,
      checkedAt,
    };
  // A worker (re)connecting is not yet applying: not replicating, not broken; the next read tells.
  if (connecting.length > 0 && prepared === 0)
    return {
      state: 'prepared',
      lag: facts.some((f) => f.slot?.lagBytes != null) ? lag : null,
      lagUnit: 'bytes',
      detail: `old blue's subscription is connecting in ${connecting.join(', ')} (worker starting; broken after ${REVERSE_CONNECT_GRACE_SECONDS} s)`,
      checkedAt,
    };
  if (prepared > 0 && replicating === 0)
    return {
      state: 'prepared',
      lag: null,
      lagUnit: 'bytes',
      detail: `slots and publications ready on the new primary in ${prepared} database(s); old blue not yet subscribed`,
      checkedAt,
    };
  if (prepared > 0)
    return {
      state: 'broken',
      lag: null,
      lagUnit: 'bytes',
      detail: `${prepared} database(s) prepared but not subscribed on old blue: run start again`,
      checkedAt,
    };
  return {
    state: 'replicating',
    lag,
    lagUnit: 'bytes',
    detail: `old blue applies the new primary's writes in ${replicating} database(s), ${lag} bytes behind`,
    checkedAt,
  };
};

/** `domain-server-seq` lists (`0-1-500,1-3-7`) as the highest sequence number per domain. */
const seqByDomain = (gtidList: string): Map<string, number> => {
  const m = new Map<string, number>();
  for (const part of gtidList
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [domain, , seq] = part.split('-');
    if (domain === undefined || seq === undefined) continue;
    m.set(domain, Math.max(m.get(domain) ?? 0, Number(seq)));
  }
  return m;
};

/**
 * Transactions old blue still has to apply: per GTID domain, the new primary's last sequence number
 * minus what old blue applied from the stream (its gtid_slave_pos; sequence numbers in a domain continue
 * from the stream's, whichever server wrote them).
 */
export const gtidDistance = (primaryBinlogPos: string, replicaCurrentPos: string): number => {
  const replica = seqByDomain(replicaCurrentPos);
  let n = 0;
  for (const [domain, seq] of seqByDomain(primaryBinlogPos))
    n += Math.max(0, seq - (replica.get(domain) ?? 0));
  return n;
};

/** What MariaDB reports about old blue's replica connection (the one RDS's procedures manage). */
export interface MariaReverseFacts {
  /** Slave_IO_Running is Yes, Preparing or Connecting (right after START SLAVE, or retrying), or No */
  connection?: { ioRunning: boolean; ioConnecting?: boolean; sqlRunning: boolean; lastError: string };
  /** Set when old blue's connection goes to another source: why Switchyard will not touch it. */
  foreignSource?: string;
  /** @@gtid_binlog_pos of the new primary and @@gtid_slave_pos of old blue (what it applied from the stream) */
  primaryPos: string;
  replicaPos: string;
}

/** The verdict for MariaDB: there is nothing to prepare on green, so the states are absent, replicating or broken. */
export const mariaReverseStatus = (f: MariaReverseFacts, now: Date): ReverseStatus => {
  const checkedAt = now.toISOString();
  const lag = gtidDistance(f.primaryPos, f.replicaPos);
  if (f.foreignSource)
    return { state: 'broken', lag: null, lagUnit: 'transactions', detail: f.foreignSource, checkedAt };
  if (!f.connection)
    return {
      state: 'absent',
      lag: null,
      lagUnit: 'transactions',
      detail: 'old blue has no replica connection to the new primary',
      checkedAt,
    };
  // Preparing/Connecting with no error recorded: START SLAVE has just run (the IO thread has not logged in yet).
  if (f.connection.ioConnecting && f.connection.sqlRunning && !f.connection.lastError)
    return {
      state: 'replicating',
      lag,
      lagUnit: 'transactions',
      detail: `old blue's replica connection is connecting to the new primary, ${lag} transactions behind`,
      checkedAt,
    };
  if (!f.connection.ioRunning || !f.connection.sqlRunning)
    return {
      state: 'broken',
      lag,
      lagUnit: 'transactions',
      detail: `old blue's replica connection stopped (${f.connection.ioRunning ? 'SQL' : 'IO'} thread): ${f.connection.lastError || 'no error recorded'}; fix the cause on old blue (a conflicting row, a purged binlog on the new primary), then CALL mysql.rds_start_replication on old blue`,
      checkedAt,
    };
  return {
    state: 'replicating',
    lag,
    lagUnit: 'transactions',
    detail: `old blue applies the new primary's binlog, ${lag} transactions behind`,
    checkedAt,
  };
};
