/**
 * Reverse replication for a lossless fail-back (issue #15): after the switch, the new primary
 * replicates to old blue so that old blue stays current during the rollback window.
 *
 * This file is the contract between the fail-back state machine (which only calls these methods)
 * and the engines' implementations (PostgreSQL: publication + slot + subscription; MariaDB/MySQL:
 * old blue as a GTID replica). Every method is idempotent: a Lambda retry must not create a second
 * slot, subscription or replica channel.
 */
import type { DatabaseTarget } from './database-gateway.ts';

export interface ReverseReplicationPair {
  /** the instance serving the production name after the switch (green before it) */
  newPrimary: DatabaseTarget;
  /** the old blue instance (read-only to applications after the switch) */
  oldBlue: DatabaseTarget;
  /** the execution that owns the stream; names the slot/publication/subscription so that a stream is provably ours */
  executionName: string;
}

export type ReverseStreamState =
  /** nothing set up (failBack disabled, or before prepare) */
  | 'absent'
  /** prepared on green before the switch; old blue not yet applying */
  | 'prepared'
  /** old blue is applying the new primary's changes */
  | 'replicating'
  /** the stream exists but does not apply (worker erroring, slot invalidated, replica SQL thread stopped) */
  | 'broken';

export interface ReverseStatus {
  state: ReverseStreamState;
  /** bytes (PostgreSQL: WAL) or transactions (MariaDB: GTID distance) old blue still has to apply; null when unknown */
  lag: number | null;
  lagUnit: 'bytes' | 'transactions';
  /** one line a person at 2 a.m. can act on: what is wrong and the fix, or what is replicating */
  detail: string;
  checkedAt: string;
}

export interface ReverseStatusReader {
  read(): Promise<ReverseStatus>;
  /**
   * Only while writes are blocked for a fail-back: asks both sides to settle what old blue already
   * applied, so the next read need not wait for old blue's own timers (PostgreSQL: old blue flushes its
   * WAL and the new primary's walsender is woken to collect the position: one synchronously committed
   * `pg_logical_emit_message` on each side, which changes no table and replicates nothing). A no-op
   * where the position is read directly (MariaDB's GTIDs).
   */
  nudge(): Promise<void>;
  close(): Promise<void>;
}

export interface ReverseReplicationGateway {
  /**
   * Before the switch, on green: whatever makes the stream start exactly at the switch point, so that
   * no write is missed or applied twice. Returns where the stream will start (an LSN or GTID position).
   */
  prepare(pair: ReverseReplicationPair): Promise<{ startPoint: string }>;
  /** After the switch is verified: old blue starts applying from the prepared start point. */
  start(pair: ReverseReplicationPair): Promise<ReverseStatus>;
  /** Health and lag of the stream, read on both sides. */
  status(pair: ReverseReplicationPair): Promise<ReverseStatus>;
  /**
   * The same reading, repeatable over sessions opened once (CheckReverseCatchUp re-reads every few ms
   * while writes are blocked; reconnecting each time would cost more than the read). Reads only; the
   * caller must close it.
   */
  openStatusReader(pair: ReverseReplicationPair): Promise<ReverseStatusReader>;
  /** Removes the stream on both sides (after a fail-back, at cleanup, or on compensation). */
  stop(pair: ReverseReplicationPair): Promise<void>;
  /**
   * The same removal, connected now and acted on later: the fail-back's hand-over connects while it
   * still reads the sequences that decide whether to go on (each connection costs while writes are
   * blocked). Nothing changes until `stop()`; the caller must close it.
   */
  openStop(pair: ReverseReplicationPair): Promise<ReverseStreamRemoval>;
}

export interface ReverseStreamRemoval {
  stop(): Promise<void>;
  close(): Promise<void>;
}
