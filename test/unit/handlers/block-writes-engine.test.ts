/**
 * A fail-back on MySQL is refused before any AWS or SQL call (no reverse stream there); MariaDB and
 * PostgreSQL go on. The parameter-group rules MariaDB's write switch relies on are pure and tested here.
 */
import { describe, expect, it } from 'vitest';
import { failBackEngineRefusal } from '#domain/fail-back';
import {
  decodeReadOnlyBefore,
  encodeReadOnlyBefore,
  proveFailBackGroups,
  proveOwnGroup,
} from '#domain/fail-back-read-only';
import { makeBlockWritesHandler } from '../../../functions/block-writes.ts';

const untouchable = new Proxy(
  {},
  {
    get: (_t, name) => () => {
      throw new Error(`unexpected call: ${String(name)}`);
    },
  },
);

const input = (engine: 'postgres' | 'mysql' | 'mariadb') => ({
  executionId: 'arn:aws:states:us-east-1:123456789012:execution:switchyard:run-1',
  sourceId: 'orders-db',
  newPrimaryResourceId: 'db-GREEN',
  oldBlueId: 'orders-db-old1',
  oldBlueResourceId: 'db-BLUE',
  catchUpDeadlineSeconds: 120,
  database: {
    host: 'orders-db.example',
    port: 3306,
    name: 'app',
    user: 'admin',
    passwordParameter: '/p',
    engine,
  },
});

describe('failBackEngineRefusal', () => {
  it.each([
    ['postgres', null],
    [undefined, null],
    ['mariadb', null],
    ['mysql', /not available on MySQL: reverse replication runs on MariaDB and PostgreSQL only/],
  ] as const)('%s → %s', (engine, expected) => {
    const reason = failBackEngineRefusal(engine);
    if (expected === null) expect(reason).toBeNull();
    else expect(reason).toMatch(expected);
  });

  it('refuses on MySQL before touching RDS or the database', async () => {
    const handler = makeBlockWritesHandler({
      rds: untouchable as never,
      failBackDatabase: untouchable as never,
      clock: () => new Date('2026-11-30T00:00:00Z'),
      pause: async () => undefined,
    });
    await expect(handler(input('mysql'), {} as never)).rejects.toMatchObject({
      name: 'FailBackRefusedError',
      message: expect.stringContaining('nothing was changed'),
    });
  });
});

const inst = (id: string, ...groups: string[]) => ({
  id,
  parameterGroups: groups.map((name) => ({ name, applyStatus: 'in-sync' })),
});

describe('proveOwnGroup / proveFailBackGroups', () => {
  const np = inst('orders-db', 'orders-green');
  const ob = inst('orders-db-old1', 'orders-blue');

  it('proves two custom groups each used by one instance', () => {
    expect(proveFailBackGroups(np, ob, [np, ob, inst('other', 'other-pg')])).toEqual({
      verdict: 'proven',
      newPrimaryGroup: 'orders-green',
      oldBlueGroup: 'orders-blue',
    });
  });

  it.each([
    [
      'a default group',
      inst('orders-db', 'default.mariadb10.11'),
      [],
      /default parameter group default\.mariadb10\.11, which cannot be modified; give it a custom/,
    ],
    ['a shared group', np, [inst('reporting', 'orders-green')], /orders-green is also used by reporting/],
    ['no group', inst('orders-db'), [], /has 0 DB parameter groups/],
    ['two groups', inst('orders-db', 'a', 'b'), [], /has 2 DB parameter groups/],
  ])('refuses %s, naming it', (_label, instance, others, reason) => {
    const v = proveOwnGroup('the new primary', instance, others);
    expect(v.verdict).toBe('refuse');
    expect(v.verdict === 'refuse' && v.reason).toMatch(reason);
  });

  it('lists both refusals when both groups are wrong', () => {
    const v = proveFailBackGroups(
      inst('orders-db', 'default.mariadb10.11'),
      inst('orders-db-old1', 'shared'),
      [inst('x', 'shared')],
    );
    expect(v.verdict === 'refuse' && v.reasons).toHaveLength(2);
  });

  it('refuses when both instances use the same group (each would change the other)', () => {
    const same = proveFailBackGroups(inst('orders-db', 'g'), inst('orders-db-old1', 'g'), []);
    expect(same.verdict).toBe('refuse');
  });
});

describe('the recorded read_only round-trips through a tag value', () => {
  it.each([
    [
      { value: '{TrueIfReplica}', source: 'engine-default' },
      'g:engine-default',
      { action: 'reset', group: 'g' },
    ],
    [{ value: '0', source: 'user' }, 'g:0', { action: 'set', group: 'g', value: '0' }],
    [{ value: '1', source: 'user' }, 'g:1', { action: 'set', group: 'g', value: '1' }],
    [
      { value: '{TrueIfReplica}', source: 'user' },
      'g:TrueIfReplica',
      { action: 'set', group: 'g', value: '{TrueIfReplica}' },
    ],
  ])('%j → %s', (before, tag, restore) => {
    expect(encodeReadOnlyBefore('g', before)).toBe(tag);
    // Tag values allow letters, digits and _ . : / = + - @ only.
    expect(tag).toMatch(/^[\w.:/=+\-@]+$/);
    expect(decodeReadOnlyBefore(tag, 'g')).toEqual(restore);
  });

  it('refuses a record for another group or an unknown value', () => {
    expect(decodeReadOnlyBefore('other:0', 'g')).toMatchObject({ action: 'refuse' });
    expect(decodeReadOnlyBefore('g:maybe', 'g')).toMatchObject({ action: 'refuse' });
  });
});
