/**
 * Event-driven waits on the real ASL with the real handlers: the fake world emits RDS Blue/Green events
 * at their moment on its clock, the local bus delivers them to RelayRdsEvent, which wakes the parked
 * task token; when events are lost, the wait's TimeoutSeconds (the fallback poll) finds the change.
 */
import { describe, expect, it } from 'vitest';
import { makeWorld } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const START = Date.parse('2026-11-22T01:00:00Z');
// Production polls: green every 60 s → a 900 s fallback; the switch every 5 s → a 60 s fallback.
const input = () =>
  baseInput({
    green: { readyDeadlineMinutes: 360, pollSeconds: 60 },
    switchover: { timeoutSeconds: 300, pollSeconds: 5 },
  });
const count = (states: string[], name: string) => states.filter((s) => s === name).length;
const greenCheckedAt = (output: unknown) =>
  Date.parse((output as { green: { checkedAt: string } }).green.checkedAt);
const minutesAfterStart = (ms: number) => (ms - START) / 60_000;
const relayed = (run: Awaited<ReturnType<typeof runPath>>) =>
  run.bus.deliveries.map((d) => [d.eventId, (d.result as { action: string }).action]);

describe('event-driven waits', () => {
  it('resumes on RDS-EVENT-0244 the moment green is ready, between two fallback polls', async () => {
    // Prepare: green takes 235 minutes; the fallback polls at 15, 30, … 225 minutes find it building.
    const world = makeWorld({ provisioningMinutes: 235 });
    // Act
    const run = await runPath(world, input());
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(count(run.states, 'AwaitGreenEvent')).toBe(16);
    expect(minutesAfterStart(greenCheckedAt(run.output))).toBe(235);
    expect(relayed(run)).toEqual([
      ['RDS-EVENT-0244', 'woke'],
      ['RDS-EVENT-0248', 'ignored'], // emitted during the first CheckSwitchover: the arming woke itself
    ]);
    expect(count(run.states, 'AwaitSwitchoverEvent')).toBe(1);
    expect(count(run.states, 'WaitForGreen') + count(run.states, 'WaitForSwitchover')).toBe(0);
  });

  it('completes through the fallback polls when every event is dropped', async () => {
    // Prepare
    const world = makeWorld({ provisioningMinutes: 235, dropEvents: 'all' });
    // Act
    const run = await runPath(world, input());
    // Assess: green found by the fallback poll at 240 minutes (5 minutes late), the switch by its 60 s one.
    expect(run.status).toBe('SUCCEEDED');
    expect(world.emitted.map((e) => [e.eventId, e.dropped])).toEqual([
      ['RDS-EVENT-0244', true],
      ['RDS-EVENT-0248', true],
    ]);
    expect(run.bus.deliveries).toEqual([]);
    expect(count(run.states, 'AwaitGreenEvent')).toBe(16);
    expect(minutesAfterStart(greenCheckedAt(run.output))).toBe(240);
    expect(count(run.states, 'AwaitSwitchoverEvent')).toBe(1);
    expect(run.output).toMatchObject({ wake: { Error: 'States.Timeout' } });
  });

  it('is not disturbed by duplicate, late and out-of-order events', async () => {
    // Prepare
    const events = makeWorld({ provisioningMinutes: 235 });
    const noisy = makeWorld({ provisioningMinutes: 235, redeliverEvents: true });
    // Act
    const clean = await runPath(events, input());
    const run = await runPath(noisy, input());
    // Assess: the same run, state for state; each extra delivery ignored with a reason.
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(clean.states);
    expect(relayed(run).filter(([, action]) => action === 'woke')).toEqual([['RDS-EVENT-0244', 'woke']]);
    const ignored = run.bus.deliveries
      .map((d) => d.result as { action: string; reason?: string })
      .filter((r) => r.action === 'ignored')
      .map((r) => r.reason);
    expect(ignored.length).toBe(run.bus.deliveries.length - 1);
    expect(ignored.join('\n')).toMatch(
      /already woken|predates|does not end the switchover wait|no wait armed/,
    );
  });

  it('wakes the switchover wait on RDS-EVENT-0249 and compensates (RDS rolled back)', async () => {
    const world = makeWorld({ provisioningMinutes: 20, switchover: 'failed' });
    const run = await runPath(world, input());
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(run.states).toContain('SwitchoverFailed');
    expect(world.emitted.map((e) => e.eventId)).toEqual([
      'RDS-EVENT-0244',
      'RDS-EVENT-0249',
      'RDS-EVENT-0246',
    ]);
  });

  it('falls back to plain polling when the event wait cannot be armed (its table is gone)', async () => {
    const world = makeWorld({ provisioningMinutes: 3 });
    const run = await runPath(world, input(), 'approve', undefined, {
      tamperInvoke: (functionKey) => {
        if (functionKey === 'awaitRdsEvent') {
          const err = new Error('Requested resource not found');
          err.name = 'ResourceNotFoundException';
          throw err;
        }
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(count(run.states, 'WaitForGreen')).toBeGreaterThan(0);
    expect(count(run.states, 'WaitForSwitchover')).toBeGreaterThan(0);
  });
});
