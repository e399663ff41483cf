/**
 * Static checks of statemachine/fleet.asl.yaml, with the same rules as the blue-green machine: valid
 * ASL, a Comment everywhere, Retry/Timeout/Catch on every Task (Map iterations included), Fail states
 * with a Cause, every Lambda Task bound to a real handler, and the Map iterations that cannot fail
 * as a whole on one child.
 */
import { existsSync, readFileSync } from 'node:fs';
import validator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { serverlessFunctions } from '../../local/definition.ts';
import {
  fleetTaskStates,
  loadFleetDefinition,
  readRawFleetDefinition,
} from '../../local/fleet-definition.ts';

type State = Record<string, unknown> & { Type: string };
const raw = readRawFleetDefinition() as { States: Record<string, State> };
const all: Array<[string, State]> = [];
const walk = (states: Record<string, State>) => {
  for (const [name, s] of Object.entries(states)) {
    all.push([name, s]);
    if (s.Type === 'Map') walk((s.ItemProcessor as { States: Record<string, State> }).States);
  }
};
walk(raw.States);
const tasks = all.filter(([, s]) => s.Type === 'Task');

describe('fleet.asl.yaml', () => {
  it('is valid ASL (asl-validator, paths and ARNs checked)', () => {
    const { isValid, errors } = validator(loadFleetDefinition() as never, {
      checkPaths: true,
      checkArn: true,
    });
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('gives every state, nested ones included, a Comment and a unique name', () => {
    expect(
      all.filter(([, s]) => typeof s.Comment !== 'string' || s.Comment.length < 5).map(([n]) => n),
    ).toEqual([]);
    expect(new Set(all.map(([n]) => n)).size).toBe(all.length);
  });

  it('gives every Task a Retry, a timeout and a Catch of States.ALL', () => {
    for (const [name, s] of tasks) {
      expect(Array.isArray(s.Retry) && s.Retry.length > 0, `${name} Retry`).toBe(true);
      expect(s.TimeoutSeconds ?? s.TimeoutSecondsPath, `${name} timeout`).toBeDefined();
      const catches = (s.Catch as Array<{ ErrorEquals: string[] }>) ?? [];
      expect(
        catches.flatMap((c) => c.ErrorEquals),
        `${name} Catch`,
      ).toContain('States.ALL');
    }
  });

  it('catches every child failure inside its iteration, never retrying a child that ended FAILED', () => {
    const runs = tasks.filter(([, s]) => String(s.Resource).includes('startExecution.sync:2'));
    expect(runs.map(([n]) => n)).toEqual(['RunChild', 'RunChildDistributed']);
    for (const [, s] of runs) {
      const retried = (s.Retry as Array<{ ErrorEquals: string[] }>).flatMap((r) => r.ErrorEquals);
      expect(retried).not.toContain('States.TaskFailed');
      expect(retried).not.toContain('States.ALL');
      expect(s.Parameters).toMatchObject({ StateMachineArn: { Ref: 'BlueGreenStateMachine' } });
    }
  });

  it('ends every Fail state with a Cause (from a path, or fixed)', () => {
    for (const [name, s] of all.filter(([, s]) => s.Type === 'Fail'))
      expect(s.CausePath ?? s.Cause, name).toBeDefined();
  });

  it('binds every Lambda Task to a serverless function whose handler file exports `handler`', () => {
    const functions = serverlessFunctions();
    for (const { state, functionKey } of fleetTaskStates().lambdas) {
      const fn = functions[functionKey];
      expect(fn, `${state} → ${functionKey}`).toBeDefined();
      const file = `${fn!.handler.replace(/\.handler$/, '')}.ts`;
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, 'utf8')).toMatch(/export const handler\b/);
    }
  });
});
