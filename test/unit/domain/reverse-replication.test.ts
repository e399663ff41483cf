import { describe, expect, it } from 'vitest';
import {
  gtidDistance,
  mariaReverseStatus,
  type PgReverseFacts,
  pgReverseStatus,
  ReverseReplicationConflictError,
  reverseStreamName,
} from '../../../src/domain/reverse-replication.ts';

const now = new Date('2026-11-29T23:00:00Z');
const slot = { active: true, lagBytes: 120, walStatus: 'reserved', confirmedFlushLsn: '0/3000000' };
const sub = { enabled: true, workerRunning: true, applyErrors: 0 };
const db = (over: Partial<PgReverseFacts> = {}): PgReverseFacts => ({
  database: 'app',
  slot,
  publication: true,
  subscription: sub,
  ...over,
});

describe('reverseStreamName', () => {
  it('is readable, identifier-safe, at most 63 bytes, and differs per execution and per database', () => {
    // Prepare / Act
    const a = reverseStreamName('Orders-Upgrade:2026/11/29-very-long-execution-name-that-goes-on', 'app');
    // Assess
    expect(a).toMatch(/^sy_fb_orders_upgrade_2026_11_29_very_l_[0-9a-f]{8}$/);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(reverseStreamName('orders-upgrade-2026-11-29', 'app')).not.toBe(
      reverseStreamName('orders_upgrade_2026_11_29', 'app'),
    );
    expect(reverseStreamName('run', 'app')).not.toBe(reverseStreamName('run', 'postgres'));
    expect(reverseStreamName('run', 'app')).toBe(reverseStreamName('run', 'app'));
  });

  it('refuses an empty execution name (the stream would not be provably ours)', () => {
    expect(() => reverseStreamName('', 'app')).toThrow(ReverseReplicationConflictError);
  });
});

describe('pgReverseStatus', () => {
  it.each([
    [
      'nothing anywhere',
      [db({ slot: undefined, publication: false, subscription: undefined })],
      'absent',
      null,
    ],
    ['green side only', [db({ subscription: undefined })], 'prepared', null],
    [
      'both sides, streaming',
      [db(), db({ database: 'postgres', slot: { ...slot, lagBytes: 700 } })],
      'replicating',
      700,
    ],
    [
      'subscription disabled by an apply error',
      [db({ subscription: { ...sub, enabled: false, applyErrors: 2 } })],
      'broken',
      120,
    ],
    // A worker starting (or restarting) while the walsender still holds the slot: connecting, not broken.
    [
      'worker not running, slot still held',
      [db({ subscription: { ...sub, workerRunning: false } })],
      'prepared',
      120,
    ],
    [
      'slot idle for 5 s (worker starting)',
      [
        db({
          slot: { ...slot, active: false, inactiveSeconds: 5 },
          subscription: { ...sub, workerRunning: false },
        }),
      ],
      'prepared',
      120,
    ],
    [
      'slot idle for 120 s',
      [
        db({
          slot: { ...slot, active: false, inactiveSeconds: 120 },
          subscription: { ...sub, workerRunning: false },
        }),
      ],
      'broken',
      120,
    ],
    [
      'slot idle, for how long unknown (PostgreSQL 16)',
      [
        db({
          slot: { ...slot, active: false, inactiveSeconds: null },
          subscription: { ...sub, workerRunning: false },
        }),
      ],
      'broken',
      120,
    ],
    ['slot lost its WAL', [db({ slot: { ...slot, walStatus: 'lost' } })], 'broken', 120],
    ['slot gone', [db({ slot: undefined })], 'broken', null],
    ['publication dropped', [db({ publication: false })], 'broken', 120],
    [
      'one database without a stream',
      [db(), db({ database: 'new_db', slot: undefined, publication: false, subscription: undefined })],
      'broken',
      null,
    ],
    [
      'one database prepared, one streaming',
      [db(), db({ database: 'postgres', subscription: undefined })],
      'broken',
      null,
    ],
  ] as const)('%s', (_what, facts, state, lag) => {
    const s = pgReverseStatus([...facts], now);
    expect(s.state).toBe(state);
    expect(s.lag).toBe(lag);
    expect(s.lagUnit).toBe('bytes');
    expect(s.checkedAt).toBe(now.toISOString());
    expect(s.detail.length).toBeGreaterThan(10);
  });

  it('says how long an idle slot has been idle, and when a connecting one counts as broken', () => {
    const idle = (seconds: number) =>
      pgReverseStatus(
        [
          db({
            slot: { ...slot, active: false, inactiveSeconds: seconds },
            subscription: { ...sub, workerRunning: false },
          }),
        ],
        now,
      );
    expect(idle(3).detail).toMatch(/connecting in app .*broken after 60 s/);
    expect(idle(61).detail).toMatch(/database app: .*not streaming for 61 s/);
  });

  it('names the fix when the subscription stopped', () => {
    const s = pgReverseStatus([db({ subscription: { ...sub, enabled: false, applyErrors: 3 } })], now);
    expect(s.detail).toMatch(/database app: .*3 so far.*ALTER SUBSCRIPTION … ENABLE/);
  });
});

describe('gtidDistance', () => {
  it.each([
    ['0-2-510', '0-1-500', 10],
    ['0-2-510', '0-2-510', 0],
    ['0-2-510,1-3-7', '0-1-500', 17],
    ['0-1-500', '0-2-510', 0],
    ['', '0-1-5', 0],
  ])('%s vs %s → %i', (primary, replica, n) => {
    expect(gtidDistance(primary, replica)).toBe(n);
  });
});

describe('mariaReverseStatus', () => {
  it('is absent without our connection, replicating with both threads, broken with the error otherwise', () => {
    expect(mariaReverseStatus({ primaryPos: '0-2-9', replicaPos: '0-1-5' }, now)).toMatchObject({
      state: 'absent',
      lag: null,
    });
    expect(
      mariaReverseStatus(
        {
          primaryPos: '0-2-9',
          replicaPos: '0-2-9',
          connection: { ioRunning: true, sqlRunning: true, lastError: '' },
        },
        now,
      ),
    ).toMatchObject({ state: 'replicating', lag: 0, lagUnit: 'transactions' });
    const broken = mariaReverseStatus(
      {
        primaryPos: '0-2-12',
        replicaPos: '0-2-9',
        connection: {
          ioRunning: true,
          sqlRunning: false,
          lastError: "Could not execute Delete_rows_v1 event: Can't find record",
        },
      },
      now,
    );
    expect(broken).toMatchObject({ state: 'broken', lag: 3 });
    // Right after START SLAVE the IO thread is Connecting: not broken unless it recorded an error.
    const connecting = { ioRunning: false, ioConnecting: true, sqlRunning: true, lastError: '' };
    expect(
      mariaReverseStatus({ primaryPos: '0-2-9', replicaPos: '0-1-5', connection: connecting }, now),
    ).toMatchObject({
      state: 'replicating',
      lag: 4,
    });
    expect(
      mariaReverseStatus(
        {
          primaryPos: '0-2-9',
          replicaPos: '0-1-5',
          connection: { ...connecting, lastError: 'error connecting to master' },
        },
        now,
      ),
    ).toMatchObject({ state: 'broken' });
    expect(broken.detail).toMatch(/SQL thread\): Could not execute Delete_rows_v1/);
  });
});
