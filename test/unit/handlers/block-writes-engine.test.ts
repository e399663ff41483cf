/** A fail-back on MySQL/MariaDB is refused before any AWS or SQL call (the write block cannot work there). */
import { describe, expect, it } from 'vitest';
import { failBackEngineRefusal } from '#domain/fail-back';
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
    ['mariadb', /MariaDB yet: blocking writes needs SET GLOBAL read_only/],
    ['mysql', /MySQL yet: .*READ_ONLY ADMIN or SUPER/],
  ] as const)('%s → %s', (engine, expected) => {
    const reason = failBackEngineRefusal(engine);
    if (expected === null) expect(reason).toBeNull();
    else expect(reason).toMatch(expected);
  });
});

describe('BlockWritesOnNewPrimary on MySQL-family engines', () => {
  it.each(['mariadb', 'mysql'] as const)(
    'refuses on %s before touching RDS or the database',
    async (engine) => {
      const handler = makeBlockWritesHandler({
        rds: untouchable as never,
        failBackDatabase: untouchable as never,
        clock: () => new Date('2026-11-30T00:00:00Z'),
      });
      await expect(handler(input(engine), {} as never)).rejects.toMatchObject({
        name: 'FailBackRefusedError',
        message: expect.stringContaining('nothing was changed'),
      });
    },
  );

  it('goes on to prove the pair on PostgreSQL (the first gateway call is reached)', async () => {
    const handler = makeBlockWritesHandler({
      rds: untouchable as never,
      failBackDatabase: untouchable as never,
      clock: () => new Date('2026-11-30T00:00:00Z'),
    });
    await expect(handler(input('postgres'), {} as never)).rejects.toThrow(/unexpected call/);
  });
});
