/** Helpers for the rehearsal tests: run a scenario, and check that nothing it started is left running. */
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { livePostgresPids } from '../../emulator/index.ts';
import {
  type RehearsalOptions,
  type RehearsalReport,
  rehearse,
  type ScenarioName,
} from '../../rehearsal/index.ts';

/** Child processes of this process named `postgres`, read from /proc (what `ps` would show). */
export const postgresChildren = (): number[] => {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may contain spaces, so read after the last ')'.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'postgres' && ppid === process.pid) found.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return found;
};

/** What the live progress stream showed of a run: states entered and retries, as they happened. */
const observed = new WeakMap<RehearsalReport, { states: string[]; retries: number }>();

/** Runs a scenario the way `switchyard rehearse --auto-approve` does, watching its progress events. */
export const runScenario = async (
  scenario: ScenarioName,
  /** The user's own material (`--schema`, `--input`, `--load-table`), or `--engine`. */
  own: Pick<RehearsalOptions, 'schema' | 'input' | 'loadTable' | 'engine'> = {},
): Promise<RehearsalReport> => {
  const seen = { states: [] as string[], retries: 0 };
  const report = await rehearse({
    ...own,
    scenario,
    autoApprove: true,
    onEvent: (e) => {
      if (e.type === 'state') seen.states.push(e.state);
      if (e.type === 'retry') seen.retries++;
    },
  });
  observed.set(report, seen);
  return report;
};

/** True when `expected` appears in `states` in order (other states may sit between). */
export const inOrder = (states: string[], expected: string[]): boolean => {
  let i = 0;
  for (const s of states) if (s === expected[i]) i++;
  return i === expected.length;
};

/** What every scenario must satisfy: its expected end, no lost writes, and no PostgreSQL left running. */
export const expectCleanEnd = (report: RehearsalReport): void => {
  // On a wrong end, show why: the error, what raised it and the last states.
  expect({
    outcome: report.outcome,
    error: report.error,
    cause: report.cause,
    failures: report.failures,
    last: report.states.slice(-12),
  }).toMatchObject({
    outcome: report.expected,
  });
  expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  expect(report.passed).toBe(true);
  expect(report.writes.acknowledged).toBeGreaterThan(0);
  expect(report.writes.lost).toBe(0);
  expect(report.writes.attempted).toBe(report.writes.acknowledged + report.writes.failed);
  // Billed transitions, checked against what the progress stream showed live (not the report's own sum).
  const seen = observed.get(report);
  expect(seen, 'run the scenario with runScenario').toBeDefined();
  expect(report.states).toEqual(seen?.states);
  expect(report.transitions).toBe((seen?.states.length ?? 0) + (seen?.retries ?? 0));
  expect(livePostgresPids()).toEqual([]);
  expect(postgresChildren()).toEqual([]);
};

/** Rolled back before the switch: no deployment, no green instance, blue unchanged behind its endpoint. */
export const expectCompensated = (report: RehearsalReport): void => {
  expect(report.outcome).toBe('rolled-back');
  expect(report.states.at(-1)).toBe('RolledBack');
  expect(
    inOrder(report.states, [
      'Compensate',
      'CheckCompensation',
      'IsCompensated',
      'NotifyRolledBack',
      'RolledBack',
    ]),
  ).toBe(true);
  expect(report.states).not.toContain('Verify');
  expect(report.remaining.deployments).toEqual([]);
  expect(report.remaining.instances.map((i) => i.id)).toEqual(['orders-db']);
  expect(report.endpoints.after?.systemIdentifier).toBe(report.endpoints.before?.systemIdentifier);
  expect(report.endpoints.after?.serverVersion).toMatch(/^17\./);
};
