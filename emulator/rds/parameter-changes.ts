/**
 * What a ModifyDBParameterGroup or ResetDBParameterGroup request changes, decided before anything is
 * touched (pure: no state, no servers). RDS API Reference: each parameter carries an `ApplyMethod`;
 * `immediate` is allowed for dynamic parameters only, `pending-reboot` for both kinds, and a
 * `pending-reboot` change waits for the next reboot. ResetDBParameterGroup with `ResetAllParameters`
 * updates dynamic parameters immediately and sets static ones to `pending-reboot`. At most 20 parameters
 * per request.
 */
import { invalidParameter, QueryError } from '../http/query.ts';
import { DEFAULT_PARAMETERS } from './model.ts';
import { MYSQL_FAMILY_PARAMETERS } from './mysql-parameters.ts';

export type ParameterDefinition = (typeof DEFAULT_PARAMETERS)[number];
export type ApplyMethod = 'immediate' | 'pending-reboot';

/** One parameter as the request names it (`Parameters.Parameter.N.*`). */
export interface RequestedParameter {
  name?: string;
  value?: string;
  applyMethod?: string;
}

/** A validated change: `value` undefined means the user value is removed (reset to the default). */
export interface ParameterChange {
  name: string;
  value: string | undefined;
  method: ApplyMethod;
}

export const MAX_PARAMETERS_PER_REQUEST = 20;
export const READ_ONLY = 'read_only';
const READ_ONLY_VALUES = ['0', '1', '{TrueIfReplica}'];

/** The engine-default parameters of a family (the ones DescribeDBParameters reports). */
export const definitionsOf = (family: string): readonly ParameterDefinition[] =>
  MYSQL_FAMILY_PARAMETERS[family] ?? DEFAULT_PARAMETERS;

/** A parameter the emulator has no definition for is reported (and treated) as dynamic. */
const applyTypeOf = (defs: readonly ParameterDefinition[], name: string): 'static' | 'dynamic' =>
  defs.find((d) => d.name === name)?.type ?? 'dynamic';

const checkCount = (requested: RequestedParameter[]): void => {
  if (requested.length > MAX_PARAMETERS_PER_REQUEST)
    throw invalidParameter(
      `A maximum of ${MAX_PARAMETERS_PER_REQUEST} parameters can be modified in a single request; got ${requested.length}.`,
    );
};

const checkMethod = (defs: readonly ParameterDefinition[], p: RequestedParameter, n: number): ApplyMethod => {
  const name = p.name as string;
  if (!p.applyMethod)
    throw invalidParameter(
      `The parameter ApplyMethod must be provided for ${name} (Parameters.Parameter.${n}): immediate (dynamic parameters only) or pending-reboot.`,
    );
  if (p.applyMethod !== 'immediate' && p.applyMethod !== 'pending-reboot')
    throw invalidParameter(
      `Invalid ApplyMethod ${p.applyMethod} for ${name}: use immediate (dynamic parameters only) or pending-reboot.`,
    );
  if (p.applyMethod === 'immediate' && applyTypeOf(defs, name) === 'static')
    throw new QueryError(
      'InvalidParameterCombination',
      `cannot use immediate apply method for static parameter ${name}; use ApplyMethod pending-reboot and reboot the instance.`,
    );
  return p.applyMethod;
};

const checkName = (p: RequestedParameter, n: number): string => {
  if (!p.name)
    throw invalidParameter(`The parameter ParameterName must be provided (Parameters.Parameter.${n}).`);
  return p.name;
};

/** ModifyDBParameterGroup: every item needs a name, a value and an apply method. */
export const modifyChanges = (
  defs: readonly ParameterDefinition[],
  requested: RequestedParameter[],
): ParameterChange[] => {
  checkCount(requested);
  if (!requested.length)
    throw invalidParameter('The parameter Parameters must be provided and must not be empty.');
  return requested.map((p, i) => {
    const name = checkName(p, i + 1);
    if (p.value === undefined)
      throw invalidParameter(`The parameter ParameterValue must be provided for ${name}.`);
    if (name === READ_ONLY && defs.some((d) => d.name === READ_ONLY) && !READ_ONLY_VALUES.includes(p.value))
      throw invalidParameter(
        `Invalid value ${p.value} for parameter read_only: use 0, 1 or {TrueIfReplica}.`,
      );
    return { name, value: p.value, method: checkMethod(defs, p, i + 1) };
  });
};

/**
 * ResetDBParameterGroup: either named parameters (name and apply method each) or ResetAllParameters
 * (absent means true when no parameters are named, as the API Reference gives its default).
 */
export const resetChanges = (
  defs: readonly ParameterDefinition[],
  userValues: Record<string, string>,
  requested: RequestedParameter[],
  resetAll: boolean | undefined,
): ParameterChange[] => {
  checkCount(requested);
  if (resetAll === true && requested.length)
    throw new QueryError(
      'InvalidParameterCombination',
      'Specify either ResetAllParameters=true or a list of Parameters to reset, not both.',
    );
  if (!requested.length) {
    if (resetAll === false)
      throw new QueryError(
        'InvalidParameterCombination',
        'Nothing to reset: name the Parameters to reset (ParameterName and ApplyMethod), or set ResetAllParameters=true.',
      );
    return Object.keys(userValues).map((name) => ({
      name,
      value: undefined,
      method: applyTypeOf(defs, name) === 'static' ? 'pending-reboot' : 'immediate',
    }));
  }
  return requested.map((p, i) => {
    const name = checkName(p, i + 1);
    if (!defs.some((d) => d.name === name) && userValues[name] === undefined)
      throw invalidParameter(`Could not find parameter with name: ${name}`);
    return { name, value: undefined, method: checkMethod(defs, p, i + 1) };
  });
};

/**
 * The changes RDS registers: one that leaves the group's user value as it is (the same value again, or a
 * reset of a parameter the group does not set) changes nothing, not even its apply method (as the
 * Terraform and Pulumi docs of aws_db_parameter_group describe the API).
 */
export const registeredChanges = (
  changes: ParameterChange[],
  userValues: Record<string, string>,
): ParameterChange[] => changes.filter((c) => userValues[c.name] !== c.value);

/** A change waits for a reboot when it said so (static parameters always do). */
export const needsReboot = (changes: ParameterChange[]): boolean =>
  changes.some((c) => c.method === 'pending-reboot');

/** The changes RDS applies to the running servers now. */
export const immediateNames = (changes: ParameterChange[]): string[] =>
  changes.filter((c) => c.method === 'immediate').map((c) => c.name);

/**
 * Whether the server should run with `read_only` on for the group's value: `1`, `0`, or the default
 * `{TrueIfReplica}` (on for a replica: green before its switchover, a read replica).
 */
export const readOnlyWanted = (value: string | undefined, replica: boolean): boolean => {
  if (value === '1') return true;
  if (value === '0') return false;
  return replica;
};
