/**
 * Every path the ASL reads from a Task's result exists in that handler's output schema
 * (src/domain/outputs.ts): each `ResultSelector` path, and each `Choice` path (variable and *Path
 * operand) through the selector of the Task that feeds it. A typo here is a States.Runtime in AWS.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TASK_OUTPUTS } from '#domain/outputs';
import { readRawDefinition, taskBindings } from '../../local/definition.ts';

type State = {
  Type: string;
  ResultPath?: string;
  ResultSelector?: Record<string, unknown>;
  Choices?: Array<Record<string, unknown>>;
};
const states = readRawDefinition().States as Record<string, State>;
const bindings = taskBindings();
const keyOf = (state: string) => bindings.find((b) => b.state === state)?.functionKey ?? '';
const steps = (path: string, prefix: string): string[] =>
  path.slice(prefix.length).split('.').filter(Boolean);

/** True when `path` is declared in `schema` (objects by shape; nullable/optional unwrapped). */
const schemaHasPath = (schema: z.ZodType, path: string[]): boolean => {
  let node: z.ZodType = schema;
  for (const key of path) {
    while (node instanceof z.ZodNullable || node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
    if (!(node instanceof z.ZodObject)) return false;
    const next = (node.shape as Record<string, z.ZodType>)[key];
    if (!next) return false;
    node = next;
  }
  return true;
};

/** [Task state, path inside its Payload] for every `$.Payload…` its ResultSelector reads. */
const selectorReads = Object.entries(states)
  .filter(([, s]) => s.Type === 'Task' && s.ResultSelector)
  .flatMap(([name, s]) =>
    Object.values(s.ResultSelector ?? {})
      .filter((v): v is string => typeof v === 'string' && v.startsWith('$.Payload'))
      .map((v) => [name, v] as const),
  );

/** True when a Pass state writes `path` (its value is built in the ASL itself, e.g. a counter). */
const writtenByPass = (path: string): boolean =>
  Object.values(states).some(
    (s) => s.Type === 'Pass' && typeof s.ResultPath === 'string' && path.startsWith(`${s.ResultPath}.`),
  );

/** Every state path a Choice reads that a Task feeds: its Variable and any *Path operand. */
const choiceReads = Object.entries(states)
  .filter(([, s]) => s.Type === 'Choice')
  .flatMap(([name, s]) =>
    (s.Choices ?? []).flatMap((rule) =>
      Object.entries(rule)
        .filter(([k, v]) => (k === 'Variable' || k.endsWith('Path')) && typeof v === 'string')
        .map(([, v]) => [name, v as string] as const),
    ),
  )
  .filter(([, path]) => !writtenByPass(path));

/** The Task whose result lands where `path` points, and the Payload path it reads there. */
const feedingRead = (path: string): { task: string; payloadPath: string[] } | undefined => {
  for (const [task, s] of Object.entries(states)) {
    if (s.Type !== 'Task' || !s.ResultPath || !path.startsWith(`${s.ResultPath}.`)) continue;
    const [field, ...rest] = steps(path, s.ResultPath);
    if (!s.ResultSelector) return { task, payloadPath: [field ?? '', ...rest] };
    const selected = s.ResultSelector[`${field}.$`];
    if (typeof selected !== 'string') return { task, payloadPath: [`<${field} not selected>`] };
    return { task, payloadPath: [...steps(selected, '$.Payload'), ...rest] };
  }
  return undefined;
};

describe('output schemas against the ASL', () => {
  it('cover every Task’s function', () => {
    for (const b of bindings) expect(TASK_OUTPUTS[b.functionKey], b.functionKey).toBeDefined();
  });

  it.each(selectorReads)('%s: ResultSelector path %s exists in the output schema', (state, path) => {
    expect(schemaHasPath(TASK_OUTPUTS[keyOf(state)]!, steps(path, '$.Payload'))).toBe(true);
  });

  it.each(choiceReads)('%s: %s is fed by a Task result that declares it', (_choice, path) => {
    const read = feedingRead(path);
    expect(read, `no Task's ResultPath holds ${path}`).toBeDefined();
    expect(schemaHasPath(TASK_OUTPUTS[keyOf(read!.task)]!, read!.payloadPath)).toBe(true);
  });

  it('finds a path that is not declared (the check can fail)', () => {
    const schema = z.looseObject({ a: z.object({ b: z.string() }).nullable() });
    expect(schemaHasPath(schema, ['a', 'b'])).toBe(true);
    expect(schemaHasPath(schema, ['a', 'c'])).toBe(false);
    expect(schemaHasPath(schema, ['a', 'b', 'c'])).toBe(false);
    expect(feedingRead('$.green.notSelected')?.payloadPath).toEqual(['<notSelected not selected>']);
  });
});
