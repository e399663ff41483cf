/**
 * Path tests of the client thresholds (issue 14 item 5): the real ASL and handlers over the fake world.
 * clients.maxConnections / maxTransactionSeconds hold the switch at RecheckLag until blue's clients drop
 * (or refuse at the recheck deadline with the reason); clients.maxOldBlueSessions fails verification.
 */
import { describe, expect, it } from 'vitest';
import { makeWorld } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const DATABASE = { name: 'app', user: 'switchyard', passwordParameter: '/switchyard/test/db/password' };
const count = (states: string[], name: string) => states.filter((s) => s === name).length;

describe('clients thresholds before the switch', () => {
  it('holds the switch while blue has too many connections, then switches once they drop', async () => {
    // Prepare: PrepareApproval reads 12, the first two rechecks 12 and 11, then 3.
    const world = makeWorld({ provisioningPolls: 1, lag: [0], blueConnections: [12, 12, 11, 3] });
    // Act
    const run = await runPath(world, baseInput({ database: DATABASE, clients: { maxConnections: 10 } }));
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(count(run.states, 'RecheckLag')).toBe(3);
    expect(count(run.states, 'WaitBeforeRecheck')).toBe(2);
    expect(run.states).toContain('Switchover');
    expect(
      (run.output as { recheck: { clients: { held: boolean; connections: number } } }).recheck.clients,
    ).toMatchObject({
      held: false,
      connections: 3,
    });
  });

  it('refuses at the recheck deadline naming the connections and the threshold, and rolls back', async () => {
    const world = makeWorld({ provisioningPolls: 1, lag: [0], blueConnections: [50] });
    const run = await runPath(
      world,
      baseInput({
        database: DATABASE,
        clients: { maxConnections: 10 },
        lag: { deadlineMinutes: 5, pollSeconds: 60 },
      }),
    );
    expect(run.status).toBe('FAILED');
    expect(run.states).not.toContain('Switchover');
    const held = run.states.indexOf('SwitchHeldByClients');
    expect(run.states.slice(held - 2, held + 2)).toEqual([
      'RecheckLag',
      'IsLagStillLow',
      'SwitchHeldByClients',
      'Compensate',
    ]);
    expect(count(run.states, 'RecheckLag')).toBeGreaterThan(3);
    expect(run.states.at(-1)).toBe('RolledBack');
    const message = world.published.at(-1)?.message ?? '';
    expect(message).toContain('ClientsOverThreshold');
    expect(message).toContain('50 connections on blue > clients.maxConnections 10');
  });

  it('holds on a long transaction too (clients.maxTransactionSeconds)', async () => {
    const world = makeWorld({ provisioningPolls: 1, lag: [0], longestTransactionSeconds: 900 });
    const run = await runPath(
      world,
      baseInput({
        database: DATABASE,
        clients: { maxTransactionSeconds: 60 },
        lag: { deadlineMinutes: 5, pollSeconds: 60 },
      }),
    );
    expect(run.states).toContain('SwitchHeldByClients');
    expect(world.published.at(-1)?.message).toContain(
      'longest transaction on blue open 900 s > clients.maxTransactionSeconds 60',
    );
  });

  it('needs database to count clients', async () => {
    const world = makeWorld({ provisioningPolls: 1, lag: [0] });
    const run = await runPath(world, baseInput({ database: undefined, clients: { maxConnections: 10 } }));
    expect(run.states.at(-1)).toBe('Refused');
    expect(world.published.at(-1)?.message).toContain('clients.maxConnections');
  });
});

describe('clients.maxOldBlueSessions after the switch', () => {
  it('fails verification with the count of sessions left on old blue, and holds old blue', async () => {
    const world = makeWorld({ provisioningPolls: 1, lag: [0], oldBlueSessions: 7 });
    const run = await runPath(world, baseInput({ database: DATABASE, clients: { maxOldBlueSessions: 2 } }));
    expect(run.error).toBe('Switchyard.FailedAfterSwitch');
    expect(run.states.slice(-4)).toEqual([
      'IsVerified',
      'VerificationFailed',
      'AlertAndHold',
      'FailedAfterSwitch',
    ]);
    expect(world.published.at(-1)?.message).toContain(
      '7 client session(s) still connected to old blue > clients.maxOldBlueSessions 2',
    );
  });

  it('passes when the sessions are at or under the threshold', async () => {
    const world = makeWorld({ provisioningPolls: 1, lag: [0], oldBlueSessions: 2 });
    const run = await runPath(world, baseInput({ database: DATABASE, clients: { maxOldBlueSessions: 2 } }));
    expect(run.status).toBe('SUCCEEDED');
  });
});
