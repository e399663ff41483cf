/** Which errors end a write-load client's connection (a pool would evict it) and which keep it. */
import { describe, expect, it } from 'vitest';
import { mysqlConnectionBroken, pgConnectionBroken } from '../../rehearsal/write-drivers.ts';

describe('pgConnectionBroken', () => {
  it.each([
    ['read-only transaction', { code: '25006' }, false],
    ['unique violation', { code: '23505' }, false],
    ['admin shutdown (terminated)', { code: '57P01' }, true],
    ['cannot connect now', { code: '57P03' }, true],
    ['connection failure', { code: '08006' }, true],
    ['socket reset', { code: 'ECONNRESET' }, true],
    [
      'driver: not queryable',
      new Error('Client has encountered a connection error and is not queryable'),
      true,
    ],
  ])('%s → %s', (_what, err, broken) => {
    expect(pgConnectionBroken(err)).toBe(broken);
  });
});

describe('mysqlConnectionBroken', () => {
  it.each([
    ['read_only (1290)', { errno: 1290, fatal: false }, false],
    ['duplicate key', { errno: 1062 }, false],
    ['connection killed (1927)', { errno: 1927 }, true],
    ['server shutdown (1053)', { errno: 1053 }, true],
    ['fatal protocol error', { errno: 2013, fatal: true }, true],
    ['connection lost (no errno)', Object.assign(new Error('Connection lost'), { fatal: true }), true],
  ])('%s → %s', (_what, err, broken) => {
    expect(mysqlConnectionBroken(err)).toBe(broken);
  });
});
