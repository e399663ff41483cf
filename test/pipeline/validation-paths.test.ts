/**
 * ValidateData in the real ASL over the fake world: equal data passes both validations; a range that
 * differs once (an in-flight write) is rechecked and passes; a difference that persists refuses the
 * switch and compensates, naming the key range.
 */
import { describe, expect, it } from 'vitest';
import { makeWorld } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const request = (run: { approvalRequests: unknown[] }) =>
  (
    run.approvalRequests[0] as {
      request: { validation?: { status: string; summary: string; lines: string[] } };
    }
  ).request;

describe('data validation paths', () => {
  it('compares blue and green before approval and before the switch, and shows the result to approvers', async () => {
    // Prepare
    const world = makeWorld({ provisioningPolls: 2 });
    // Act
    const run = await runPath(world, baseInput());
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.filter((s) => s === 'ValidateData' || s === 'ValidateBeforeSwitch')).toEqual([
      'ValidateData',
      'ValidateBeforeSwitch',
    ]);
    expect(request(run).validation?.status).toBe('passed');
    expect(request(run).validation?.summary).toBe(
      'checksums: 1 table(s), 3000 row(s), 0.2 MB compared in 3 key range(s), 0 rechecked; no difference',
    );
    // three ranges on both sides, twice (before approval, before the switch)
    expect(world.validationReads.filter((r) => r.startsWith('green:'))).toHaveLength(6);
  });

  it('rechecks a range that differed while a write was in flight, and then goes on', async () => {
    const world = makeWorld({ provisioningPolls: 2, validation: { drift: { transientRounds: 1 } } });
    const run = await runPath(world, baseInput());
    expect(run.status).toBe('SUCCEEDED');
    const i = run.states.indexOf('ValidateData');
    expect(run.states.slice(i, i + 5)).toEqual([
      'ValidateData',
      'IsDataValid',
      'WaitBeforeValidationRecheck',
      'ValidateData',
      'IsDataValid',
    ]);
    expect(request(run).validation?.summary).toContain('1 rechecked; no difference');
  });

  it('refuses the switch when a range still differs after every recheck, naming the key range', async () => {
    const world = makeWorld({ provisioningPolls: 2, validation: { drift: 'persistent' } });
    const run = await runPath(world, baseInput({ validation: { rechecks: 2 } }));
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(run.states.filter((s) => s === 'ValidateData')).toHaveLength(3);
    expect(run.states).toContain('DataDriftFound');
    expect(run.states).not.toContain('PrepareApproval');
    expect(run.approvalRequests).toHaveLength(0);
    expect(world.calls.some((c) => c.startsWith('deleteDeployment') && c.endsWith('deleteTarget=true'))).toBe(
      true,
    );
    const message = world.published[0]?.message ?? '';
    expect(message).toContain('DataDrift');
    expect(message).toContain(
      'public.orders id in [1001, 2001) (blue 1000 rows, green 1000, checksum differs)',
    );
  });

  it('skips validation when the input says off, and says so to approvers', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    const run = await runPath(world, baseInput({ validation: { mode: 'off' } }));
    expect(run.status).toBe('SUCCEEDED');
    expect(world.validationReads).toEqual([]);
    expect(request(run).validation?.summary).toBe('validation skipped: validation.mode is off');
  });
});
