/**
 * The schema-hazards rehearsal: blue has a table without a primary key, a large object, an unlogged
 * table and a materialized view. Preflight inspects blue and refuses naming every hazard; nothing is
 * created; production writes, UPDATE and DELETE on the PK-less table included, keep succeeding.
 */
import { describe, expect, it } from 'vitest';
import { HAZARD_NAMES } from '../../rehearsal/schema-hazards.ts';
import { expectCleanEnd, runScenario } from './support.ts';

describe('switchyard rehearse --scenario schema-hazards', () => {
  it('ends refused at Preflight with every hazard named and nothing created', async () => {
    // Act
    const report = await runScenario('schema-hazards');
    // Assess
    expectCleanEnd(report);
    expect(report.states).toEqual(['Begin', 'Preflight', 'NotifyRefused', 'Refused']);
    const cause = report.failures[0]?.cause ?? '';
    expect(report.failures[0]).toMatchObject({ state: 'Preflight', error: 'PreflightRefusedError' });
    for (const name of HAZARD_NAMES) expect(cause).toContain(name);
    expect(report.remaining.deployments).toEqual([]);
    expect(report.remaining.instances.map((i) => i.id)).toEqual(['orders-db']);
    expect(report.checks.filter((c) => c.name.startsWith('production write')).map((c) => c.ok)).toEqual([
      true,
      true,
      true,
    ]);
  }, 180_000);
});
