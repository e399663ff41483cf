import { describe, expect, it } from 'vitest';
import {
  judgeClientsBeforeSwitch,
  NO_CLIENT_THRESHOLDS,
  oldBlueSessionsProblem,
} from '#domain/client-thresholds';

const t = (over: Partial<typeof NO_CLIENT_THRESHOLDS>) => ({ ...NO_CLIENT_THRESHOLDS, ...over });
const reading = { connections: 20, longestTransactionSeconds: 30 };

describe('judgeClientsBeforeSwitch', () => {
  it.each([
    ['no thresholds', NO_CLIENT_THRESHOLDS, reading, false],
    ['connections at the threshold', t({ maxConnections: 20 }), reading, false],
    ['connections over', t({ maxConnections: 19 }), reading, true],
    ['transaction over', t({ maxTransactionSeconds: 29 }), reading, true],
    ['only the post-switch threshold', t({ maxOldBlueSessions: 0 }), reading, false],
    ['unreadable', t({ maxConnections: 100 }), { error: 'timeout' }, true],
  ] as const)('%s → held %s', (_name, thresholds, r, held) => {
    expect(judgeClientsBeforeSwitch(thresholds, r).held).toBe(held);
  });

  it('names every threshold exceeded and what to do', () => {
    const j = judgeClientsBeforeSwitch(t({ maxConnections: 5, maxTransactionSeconds: 10 }), reading);
    expect(j.reason).toBe(
      '20 connections on blue > clients.maxConnections 5; longest transaction on blue open 30 s > clients.maxTransactionSeconds 10: the switch waits for them (drain the connections, end the transaction)',
    );
    expect(judgeClientsBeforeSwitch(t({ maxConnections: 5 }), { error: 'refused' }).reason).toContain(
      'cannot be read (refused)',
    );
  });
});

describe('oldBlueSessionsProblem', () => {
  it.each([
    [NO_CLIENT_THRESHOLDS, 50, null],
    [t({ maxOldBlueSessions: 2 }), 2, null],
    [
      t({ maxOldBlueSessions: 2 }),
      3,
      '3 client session(s) still connected to old blue > clients.maxOldBlueSessions 2',
    ],
    [t({ maxOldBlueSessions: 2 }), null, 'could not be counted'],
  ] as const)('%j with %s sessions', (thresholds, sessions, words) => {
    const p = oldBlueSessionsProblem(thresholds, sessions);
    if (words === null) expect(p).toBeNull();
    else expect(p).toContain(words);
  });
});
