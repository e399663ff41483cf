/**
 * `--input FILE`: the user's production execution document mapped onto the emulator. Pure.
 *
 * What is the user's stays the user's (migrations, smoke SQL, lag thresholds, release, instance class);
 * what names production resources is pointed at the emulator's (source instance, parameter group, SSM
 * parameter, alarms, approvers); every poll, deadline and timeout is scaled by the documented time scale
 * (rehearsal/README.md, "Time scale": the rehearsal default over the production default, field by field).
 * Every change is listed with its reason. What the emulator cannot rehearse is refused, each with its
 * field and the fix; nothing is mapped then.
 */
import { APPROVER, DB_PASSWORD_PARAMETER, SOURCE_ID, TARGET_PARAMETER_GROUP } from './input.ts';
import { VERIFY_ALARM } from './scenarios.ts';

export interface MappingContext {
  /** The version the emulator's blue runs (orders-db), e.g. "17.10". */
  sourceEngineVersion: string;
  /** The upgrade target a local binary serves, e.g. "18.4". */
  targetEngineVersion: string;
}

export interface InputChange {
  field: string;
  from: unknown;
  to: unknown;
  why: string;
}

export type InputMapping =
  | { ok: true; input: Record<string, unknown>; changes: InputChange[] }
  | { ok: false; refusals: string[] };

/**
 * The time scale: [field, production default, rehearsal value, least allowed, whole number]. A user's value
 * is multiplied by rehearsal/production, so the defaults map exactly onto the documented rehearsal values.
 */
export const TIME_SCALE: ReadonlyArray<readonly [string, number, number, number, boolean]> = [
  ['green.pollSeconds', 60, 1, 1, true],
  ['green.readyDeadlineMinutes', 360, 3, 1 / 60, false],
  ['lag.pollSeconds', 30, 1, 1, true],
  ['lag.deadlineMinutes', 60, 2, 1 / 60, false],
  ['approval.timeoutMinutes', 1440, 10, 1 / 60, false],
  ['switchover.timeoutSeconds', 300, 60, 30, true],
  ['switchover.pollSeconds', 5, 1, 1, true],
  ['verify.bakeMinutes', 15, 0.05, 0, false],
  ['verify.pollSeconds', 60, 1, 1, true],
  ['retention.keepOldBlueHours', 72, 0.000833, 0, false],
];

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

const get = (doc: Doc, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), doc);

const set = (doc: Doc, path: string, value: unknown): void => {
  const keys = path.split('.');
  let at = doc;
  for (const k of keys.slice(0, -1)) {
    if (!isObject(at[k])) at[k] = {};
    at = at[k] as Doc;
  }
  at[keys.at(-1) as string] = value;
};

const major = (version: string): number => Number(version.split('.')[0]);

/** Maps a production execution document onto the emulator, or refuses with every problem named. */
export const mapProductionInput = (raw: unknown, ctx: MappingContext): InputMapping => {
  if (!isObject(raw))
    return { ok: false, refusals: ['input: must be a JSON object (the execution input document)'] };
  const refusals: string[] = [];
  const source = raw.source;
  if (!isObject(source) || typeof source.dbInstanceIdentifier !== 'string') {
    const aurora = isObject(source) && 'dbClusterIdentifier' in source;
    refusals.push(
      aurora
        ? 'source.dbClusterIdentifier: Aurora clusters cannot be rehearsed yet (the emulator runs RDS for PostgreSQL DB instances); rehearse an RDS for PostgreSQL instance'
        : 'source.dbInstanceIdentifier: missing; name the RDS instance the deployment upgrades',
    );
  }
  const target = isObject(raw.target) ? raw.target : {};
  const version = target.engineVersion;
  const sourceMajor = major(ctx.sourceEngineVersion);
  const targetMajor = major(ctx.targetEngineVersion);
  if (typeof version !== 'string')
    refusals.push(
      `target.engineVersion: missing; the rehearsal runs a major upgrade from PostgreSQL ${ctx.sourceEngineVersion} to ${ctx.targetEngineVersion}: set it to "${ctx.targetEngineVersion}" (a parameter-group or class-only change is not rehearsed)`,
    );
  else if (major(version) !== targetMajor)
    refusals.push(
      `target.engineVersion: "${version}": no local PostgreSQL binary serves that as an upgrade target (blue runs ${ctx.sourceEngineVersion}; the only target is ${ctx.targetEngineVersion}); set "${ctx.targetEngineVersion}"${major(version) === sourceMajor ? ' (a minor-version upgrade needs a second ' + sourceMajor + '.x binary)' : ''}`,
    );
  const migrations = raw.migrations;
  if (isObject(migrations) && migrations.engine !== undefined && migrations.engine !== 'postgres')
    refusals.push(
      `migrations.engine: "${String(migrations.engine)}": the rehearsal's databases are PostgreSQL; rehearse a PostgreSQL deployment`,
    );
  if (refusals.length) return { ok: false, refusals };

  const input = structuredClone(raw) as Doc;
  const changes: InputChange[] = [];
  const change = (field: string, to: unknown, why: string) => {
    const from = get(input, field);
    if (JSON.stringify(from) === JSON.stringify(to)) return;
    set(input, field, to);
    changes.push({ field, from, to, why });
  };
  change(
    'source.dbInstanceIdentifier',
    SOURCE_ID,
    "the emulator's blue instance plays your source (PostgreSQL " + ctx.sourceEngineVersion + ')',
  );
  change('target.engineVersion', ctx.targetEngineVersion, `the ${targetMajor}.x minor a local binary serves`);
  if (target.dbParameterGroupName !== undefined)
    change(
      'target.dbParameterGroupName',
      TARGET_PARAMETER_GROUP,
      `the emulator's PostgreSQL ${targetMajor} parameter group`,
    );
  if (input.window !== undefined) {
    changes.push({
      field: 'window',
      from: input.window,
      to: undefined,
      why: 'the rehearsal switches now, not in your maintenance window',
    });
    delete input.window;
  }
  if (isObject(input.approval) && input.approval.required !== false)
    change(
      'approval.approvers',
      [APPROVER],
      'the approval e-mail goes to the emulator outbox; its link is opened as this approver',
    );
  if (isObject(input.verify) && Array.isArray(input.verify.alarmNames) && input.verify.alarmNames.length)
    change(
      'verify.alarmNames',
      [VERIFY_ALARM],
      `the emulator's CloudWatch alarm (OK unless the scenario sets it)`,
    );
  if (isObject(input.database)) {
    change('database.name', 'postgres', 'the database --schema is loaded into on blue');
    change('database.user', 'postgres', "the emulator's master user");
    change(
      'database.passwordParameter',
      DB_PASSWORD_PARAMETER,
      'the SSM parameter the rehearsal puts the master password in',
    );
  }
  for (const [field, production, rehearsal, least, whole] of TIME_SCALE) {
    const given = get(input, field);
    const value = typeof given === 'number' ? given : production;
    let scaled = Math.max(least, (value * rehearsal) / production);
    scaled = whole ? Math.max(least, Math.round(scaled)) : Number(scaled.toPrecision(6));
    change(
      field,
      scaled,
      `time scale ${rehearsal}/${production}${typeof given === 'number' ? '' : ' (production default)'}`,
    );
  }
  return { ok: true, input, changes };
};

/** One line per change, as `switchyard rehearse --input` prints them. */
export const formatChanges = (changes: InputChange[]): string[] =>
  changes.map(
    (c) =>
      `${c.field}: ${c.from === undefined ? '(unset)' : JSON.stringify(c.from)} → ${c.to === undefined ? '(removed)' : JSON.stringify(c.to)}  (${c.why})`,
  );
