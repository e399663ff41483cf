/**
 * Reverse replication in the state machine (docs/reverse-replication.md): the real ASL, the real handlers, a
 * scripted fake world whose reverse gateway records which instance played which role.
 */
import { describe, expect, it } from 'vitest';
import { makeWorld } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

describe('reverse replication paths', () => {
  it('alerts once when the reverse stream is broken, and still switches, keeps and cleans up', async () => {
    // Prepare
    const world = makeWorld({ provisioningPolls: 2, reverse: { broken: true } });
    // Act
    const run = await runPath(world, baseInput());
    // Assess: two bake passes read "broken", one alert, never a compensation.
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.filter((s) => s === 'StartReverseReplication')).toHaveLength(2);
    expect(run.states.filter((s) => s === 'NotifyReverseBroken')).toHaveLength(1);
    expect(run.states).not.toContain('Compensate');
    const alerts = world.published.filter((p) => p.subject.endsWith('reverse-broken'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.message).toContain('the reverse stream to old blue is broken');
    expect(alerts[0]?.message).toContain(
      'Reverse stream: broken, lag 4096 bytes: subscription stopped on an apply error (scripted)',
    );
    expect(world.reverseCalls.at(-1)).toBe('stop orders-db.example → orders-db-old1.example');
  });

  it('switches without a fail-back path when prepare fails, and says so in the final notification', async () => {
    const world = makeWorld({ provisioningPolls: 2, reverse: { prepareFails: true } });
    const run = await runPath(world, baseInput());
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toContain('Switchover');
    const final = world.published.at(-1)?.message ?? '';
    expect(final).toContain('Reverse replication error: Error: wal_level is replica (scripted)');
  });

  it('leaves reverse replication off on the physical path, with the reason, and calls nothing', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    const run = await runPath(world, baseInput({ target: { engineVersion: '17.5' } }));
    expect(run.status).toBe('SUCCEEDED');
    expect(world.reverseCalls).toEqual([]);
    expect(world.published.at(-1)?.message).toContain(
      'Reverse replication: off (same-major PostgreSQL uses physical replication',
    );
  });

  it('refuses at preflight when failBack.enabled is asked for where it cannot run, naming the parameter', async () => {
    const world = makeWorld({
      provisioningPolls: 2,
      groupParameters: { 'orders-pg18': { 'rds.logical_replication': '0' } },
    });
    const run = await runPath(world, baseInput({ failBack: { enabled: true } }));
    expect(run.states).toEqual(['Begin', 'Preflight', 'NotifyRefused', 'Refused']);
    expect(world.published[0]?.message).toContain(
      'failBack.enabled: reverse replication cannot run: green needs wal_level=logical: set rds.logical_replication=1 in the target DB parameter group "orders-pg18"',
    );
    expect(world.calls).toEqual([]);
  });
});
