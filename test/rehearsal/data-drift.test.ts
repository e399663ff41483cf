/**
 * The data-drift rehearsal: after green caught up, a row is changed directly on green. ValidateData
 * finds its key range differing in every recheck, refuses the switch naming the range, and the run
 * compensates: green deleted, blue serving, no write lost. The data-drift.ts range parser is checked
 * on its own too, so the rehearsal's check cannot pass by a parser that accepts anything.
 */
import { describe, expect, it } from 'vitest';
import { namesRangeOf } from '../../rehearsal/judge.ts';
import { expectCleanEnd, runScenario } from './support.ts';

const row = { table: 'public.rehearsal_writes', id: '1500' };

describe('switchyard rehearse --scenario data-drift', () => {
  it('reads a key range in a refusal only when it holds the changed row', () => {
    expect(namesRangeOf('public.rehearsal_writes id in [1001, 2001) (blue 1000 rows', row)).toBe(true);
    expect(namesRangeOf('public.rehearsal_writes id in (-∞, 1500]', row)).toBe(true);
    expect(namesRangeOf('public.rehearsal_writes id in [1001, 1500)', row)).toBe(false);
    expect(namesRangeOf('public.other id in [1001, 2001)', row)).toBe(false);
  });

  it('refuses the switch with the drifted key range named, and rolls back', async () => {
    // Act
    const report = await runScenario('data-drift');
    // Assess
    expectCleanEnd(report);
    expect(report.checks.find((c) => c.name === 'drifted key range named')?.ok).toBe(true);
    expect(report.states).toContain('DataDriftFound');
    expect(report.states).not.toContain('RequestApproval');
    expect(report.validation?.at(-1)?.status).toBe('drift');
    expect(report.validation?.at(-1)?.summary).toMatch(/DRIFT .*public\.rehearsal_writes id in/);
  }, 240_000);
});
