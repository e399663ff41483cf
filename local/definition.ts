/**
 * Loads statemachine/blue-green.asl.yaml for local use: the same file serverless.yml deploys, with the
 * `Fn::GetAtt: [<functionKey>, Arn]` references swapped for placeholder Lambda ARNs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ASL_PATH = fileURLToPath(new URL('../statemachine/blue-green.asl.yaml', import.meta.url));
export const SERVERLESS_PATH = fileURLToPath(new URL('../serverless.yml', import.meta.url));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface TaskBinding {
  state: string;
  functionKey: string;
  callback: boolean;
}

export const fakeLambdaArn = (functionKey: string): string =>
  `arn:aws:lambda:us-east-1:123456789012:function:switchyard-local-${functionKey}`;

const replaceGetAtt = (node: Json): Json => {
  if (Array.isArray(node)) return node.map(replaceGetAtt);
  if (node && typeof node === 'object') {
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return fakeLambdaArn(getAtt[0]);
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, replaceGetAtt(v)]));
  }
  return node;
};

/** The raw ASL document as written (with Fn::GetAtt objects). */
export const readRawDefinition = (): Record<string, unknown> =>
  parse(readFileSync(ASL_PATH, 'utf8'), { merge: true });

/** Key under which the local copy carries a TimeoutSecondsPath value through Parameters. */
export const LOCAL_TIMEOUT_KEY = 'switchyardLocalTimeoutSeconds';

/**
 * AWS resolves TimeoutSecondsPath against the state input; aws-local-stepfunctions 3.0.0 resolves it
 * against the Parameters output. The local copy carries the value through Parameters under a private
 * key (stripped again before the handler sees it), so the file itself stays correct for AWS.
 */
export const carryTimeoutPaths = (states: Record<string, Record<string, unknown>>): void => {
  for (const state of Object.values(states)) {
    const inner = (state.ItemProcessor as { States?: Record<string, Record<string, unknown>> } | undefined)
      ?.States;
    if (inner) carryTimeoutPaths(inner);
    const path = state.TimeoutSecondsPath;
    const params = state.Parameters as Record<string, unknown> | undefined;
    if (typeof path !== 'string' || !params) continue;
    params[`${LOCAL_TIMEOUT_KEY}.$`] = path;
    state.TimeoutSecondsPath = `$.${LOCAL_TIMEOUT_KEY}`;
  }
};

/**
 * aws-local-stepfunctions 3.0.0 has no `$$.State` in the context object. Inside a Map iteration it starts
 * `$$.Execution.StartTime` afresh, so for the first state of an iteration (StartHook, the only user) that is
 * the state's entered time; the file itself keeps `$$.State.EnteredTime` for AWS.
 */
const localEnteredTime = (node: Json): Json => {
  if (Array.isArray(node)) return node.map(localEnteredTime);
  if (node && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, localEnteredTime(v)]));
  return node === '$$.State.EnteredTime' ? '$$.Execution.StartTime' : node;
};

/** The ASL ready for aws-local-stepfunctions. */
export const loadDefinition = (): Record<string, unknown> => {
  const definition = localEnteredTime(replaceGetAtt(readRawDefinition() as Json)) as Record<string, unknown>;
  carryTimeoutPaths(definition.States as Record<string, Record<string, unknown>>);
  return definition;
};

type States = Record<string, Record<string, unknown>>;

/** Every state of the machine with the states inside its Map processors (hooks run inside one). */
export const allStates = (states: States): Array<[string, Record<string, unknown>]> =>
  Object.entries(states).flatMap(([name, s]) => {
    const inner = (s.ItemProcessor as { States?: States } | undefined)?.States;
    return [[name, s] as [string, Record<string, unknown>], ...(inner ? allStates(inner) : [])];
  });

/** A Task calling the user's hook target (its function, project, task or URL comes from the input). */
const isHookTask = (s: Record<string, unknown>): boolean => {
  const params = s.Parameters as Record<string, unknown> | undefined;
  return (
    !String(s.Resource).startsWith('arn:aws:states:::lambda:invoke') ||
    (params !== undefined && 'FunctionName.$' in params)
  );
};

/** Every Task state with the serverless function key it invokes (hook target Tasks excepted: hookTaskStates). */
export const taskBindings = (raw: Record<string, unknown> = readRawDefinition()): TaskBinding[] =>
  allStates(raw.States as States)
    .filter(([, s]) => s.Type === 'Task' && !isHookTask(s))
    .map(([state, s]) => {
      const params = s.Parameters as { FunctionName?: { 'Fn::GetAtt'?: [string, string] } } | undefined;
      const functionKey = params?.FunctionName?.['Fn::GetAtt']?.[0];
      if (!functionKey) throw new Error(`Task ${state} does not name its function with Fn::GetAtt`);
      return { state, functionKey, callback: String(s.Resource).endsWith('.waitForTaskToken') };
    });

/** The Task states that run a user's hook, with their integration (lambda:invoke, codebuild:startBuild.sync, …). */
export const hookTaskStates = (
  raw: Record<string, unknown> = readRawDefinition(),
): Array<{ state: string; resource: string }> =>
  allStates(raw.States as States)
    .filter(([, s]) => s.Type === 'Task' && isHookTask(s))
    .map(([state, s]) => ({ state, resource: String(s.Resource) }));

/** serverless.yml's functions: key → handler path like "functions/check-green.handler". */
export const serverlessFunctions = (): Record<string, { handler: string }> => {
  // CloudFormation short tags (!Ref, !GetAtt) are irrelevant here; keep them as plain values quietly.
  const doc = parse(readFileSync(SERVERLESS_PATH, 'utf8'), { logLevel: 'error' }) as {
    functions: Record<string, { handler: string }>;
  };
  return doc.functions;
};
