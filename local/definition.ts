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
    const path = state.TimeoutSecondsPath;
    const params = state.Parameters as Record<string, unknown> | undefined;
    if (typeof path !== 'string' || !params) continue;
    params[`${LOCAL_TIMEOUT_KEY}.$`] = path;
    state.TimeoutSecondsPath = `$.${LOCAL_TIMEOUT_KEY}`;
  }
};

/** The ASL ready for aws-local-stepfunctions. */
export const loadDefinition = (): Record<string, unknown> => {
  const definition = replaceGetAtt(readRawDefinition() as Json) as Record<string, unknown>;
  carryTimeoutPaths(definition.States as Record<string, Record<string, unknown>>);
  return definition;
};

/** Every Task state with the serverless function key it invokes. */
export const taskBindings = (raw: Record<string, unknown> = readRawDefinition()): TaskBinding[] => {
  const states = raw.States as Record<string, Record<string, unknown>>;
  return Object.entries(states)
    .filter(([, s]) => s.Type === 'Task')
    .map(([state, s]) => {
      const params = s.Parameters as { FunctionName?: { 'Fn::GetAtt'?: [string, string] } } | undefined;
      const functionKey = params?.FunctionName?.['Fn::GetAtt']?.[0];
      if (!functionKey) throw new Error(`Task ${state} does not name its function with Fn::GetAtt`);
      return { state, functionKey, callback: String(s.Resource).endsWith('.waitForTaskToken') };
    });
};

/** serverless.yml's functions: key → handler path like "functions/check-green.handler". */
export const serverlessFunctions = (): Record<string, { handler: string }> => {
  // CloudFormation short tags (!Ref, !GetAtt) are irrelevant here; keep them as plain values quietly.
  const doc = parse(readFileSync(SERVERLESS_PATH, 'utf8'), { logLevel: 'error' }) as {
    functions: Record<string, { handler: string }>;
  };
  return doc.functions;
};
