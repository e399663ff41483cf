/** InstallDdlGuard and ReleaseDdlGuard handlers over fake gateways: the plan chosen, failures reported not thrown. */
import { describe, expect, it } from 'vitest';
import type { DdlGuardGateway } from '#aws/ddl-guard-gateway';
import { makeInstallDdlGuardHandler } from '../../../functions/install-ddl-guard.ts';
import { makeReleaseDdlGuardHandler } from '../../../functions/release-ddl-guard.ts';
import { instance } from '../../support/fake-world.ts';

const DATABASE = {
  host: 'orders-db.example',
  port: 5432,
  name: 'app',
  user: 'postgres',
  passwordParameter: '/p',
};
const calls: string[] = [];
const guard = (release: DdlGuardGateway['release']): DdlGuardGateway => ({
  install: async (target, _executionId, plan) => {
    calls.push(`install ${target.host} ${plan.mode} ${plan.freeze}`);
    return { fingerprint: 'f', triggers: ['switchyard_ddl_log'] };
  },
  observe: async () => null,
  release,
});
const rds = {
  describeInstance: async (id: string) =>
    id === 'gone' ? undefined : instance(id, { endpoint: { address: `${id}.example`, port: 5432 } }),
} as never;

describe('InstallDdlGuard', () => {
  it.each([
    [
      'physical',
      { guards: { ddlFreeze: true } },
      DATABASE,
      'event-trigger',
      true,
      ['install orders-db.example event-trigger true'],
    ],
    [
      'logical',
      { guards: { ddlFreeze: true } },
      DATABASE,
      'fingerprint',
      false,
      ['install orders-db.example fingerprint false'],
    ],
    ['physical', {}, null, 'off', false, []],
  ] as const)('%s path, input %o → %s', async (replication, input, database, mode, freeze, installs) => {
    calls.length = 0;
    const handler = makeInstallDdlGuardHandler({
      ddlGuard: guard(async () => ({ released: true, detail: '', observation: null })),
    });
    const out = (await handler({ input, executionId: 'e', database, replication }, {})) as {
      mode: string;
      freeze: boolean;
    };
    expect(out).toMatchObject({ mode, freeze });
    expect(calls).toEqual(installs);
  });
});

describe('ReleaseDdlGuard', () => {
  it('reports an unreachable database or a missing instance instead of throwing, and reads the log from the first', async () => {
    const handler = makeReleaseDdlGuardHandler({
      rds,
      ddlGuard: guard(async (target) => {
        if (target.host === 'broken.example') throw new Error('connect ECONNREFUSED');
        return {
          released: true,
          detail: 'removed',
          observation: { logged: 3, entries: [], schemaChanged: true },
        };
      }),
    });
    const out = (await handler(
      { executionId: 'e', database: DATABASE, instanceIds: ['orders-db-old1', 'broken', 'gone', null] },
      {},
    )) as {
      allReleased: boolean;
      instances: Array<{ instanceId: string; released: boolean; detail: string }>;
      summary: string;
    };
    expect(out.allReleased).toBe(false);
    expect(out.instances).toEqual([
      { instanceId: 'orders-db-old1', released: true, detail: 'removed' },
      { instanceId: 'broken', released: false, detail: 'connect ECONNREFUSED' },
      { instanceId: 'gone', released: false, detail: 'instance or its endpoint not found' },
    ]);
    expect(out.summary).toBe('3 DDL command(s) logged on blue; schema changed since the guard was installed');
  });
});
