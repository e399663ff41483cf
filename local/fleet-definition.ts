/**
 * Loads statemachine/fleet.asl.yaml for local use: the `Fn::GetAtt: [<functionKey>, Arn]` Lambda
 * references become placeholder Lambda ARNs (as for the single-database machine) and
 * `Ref: BlueGreenStateMachine` the local blue-green machine's ARN.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { carryTimeoutPaths, fakeLambdaArn, type TaskBinding } from './definition.ts';

export const FLEET_ASL_PATH = fileURLToPath(new URL('../statemachine/fleet.asl.yaml', import.meta.url));
export const LOCAL_BLUE_GREEN_ARN =
  'arn:aws:states:us-east-1:123456789012:stateMachine:switchyard-blue-green-local';

const MAX_LOCAL_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const localize = (node: Json): Json => {
  if (Array.isArray(node)) return node.map(localize);
  if (node && typeof node === 'object') {
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return fakeLambdaArn(getAtt[0]);
    if (node.Ref === 'BlueGreenStateMachine') return LOCAL_BLUE_GREEN_ARN;
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        // Node's timers overflow past 2^31-1 ms (24.8 days) and fire at once: the local copy caps the timeout there.
        k === 'TimeoutSeconds' && typeof v === 'number'
          ? Math.min(v, MAX_LOCAL_TIMEOUT_SECONDS)
          : localize(v),
      ]),
    );
  }
  return node;
};

export const readRawFleetDefinition = (): Record<string, unknown> =>
  parse(readFileSync(FLEET_ASL_PATH, 'utf8'), { merge: true });

/** The fleet ASL ready for aws-local-stepfunctions. */
export const loadFleetDefinition = (): Record<string, unknown> => {
  const definition = localize(readRawFleetDefinition() as Json) as Record<string, unknown>;
  carryTimeoutPaths(definition.States as Record<string, Record<string, unknown>>);
  return definition;
};

export interface FleetTaskStates {
  /** Lambda Task states (nested Map states included) with their function keys */
  lambdas: TaskBinding[];
  /** `states:startExecution.sync:2` Task states */
  children: string[];
}

/** Every Task state of the fleet machine, Map iterations included, by kind. */
export const fleetTaskStates = (raw: Record<string, unknown> = readRawFleetDefinition()): FleetTaskStates => {
  const found: FleetTaskStates = { lambdas: [], children: [] };
  const walk = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, s] of Object.entries(states)) {
      if (s.Type === 'Map')
        walk((s.ItemProcessor as { States: Record<string, Record<string, unknown>> }).States);
      if (s.Type !== 'Task') continue;
      const resource = String(s.Resource);
      if (resource.startsWith('arn:aws:states:::states:startExecution')) {
        found.children.push(name);
        continue;
      }
      const params = s.Parameters as { FunctionName?: { 'Fn::GetAtt'?: [string, string] } } | undefined;
      const functionKey = params?.FunctionName?.['Fn::GetAtt']?.[0];
      if (!functionKey) throw new Error(`Task ${name} does not name its function with Fn::GetAtt`);
      found.lambdas.push({ state: name, functionKey, callback: resource.endsWith('.waitForTaskToken') });
    }
  };
  walk(raw.States as Record<string, Record<string, unknown>>);
  return found;
};
