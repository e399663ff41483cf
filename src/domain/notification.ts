import { readOnlyParameterFor } from './deletion.ts';
import { engineLabel } from './engine.ts';
import { causeMessage, readableError } from './error-envelope.ts';
import { hookReportLines } from './hooks.ts';
import { TAGS } from './names.ts';
import { describeRecreates, type Recreates } from './recreate.ts';
import { valueAt } from './value-at.ts';

/** Turns the execution state (the audit report) into a notification people can act on at 2 a.m. */

export type Outcome =
  | 'switched'
  | 'refused'
  | 'rolled-back'
  | 'compensation-stuck'
  | 'failed-after-switch'
  | 'cleanup-held'
  | 'held'
  | 'migration-failed'
  | 'reverse-broken'
  | 'failed-back'
  | 'fail-back-refused'
  | 'fail-back-stuck'
  | 'failed-after-fail-back';

type State = Record<string, unknown>;

const at = (state: State, path: string): unknown => valueAt(state, path.split('.'));

const text = (value: unknown): string =>
  value === undefined || value === null ? '—' : typeof value === 'string' ? value : JSON.stringify(value);

const HEADLINE: Record<Outcome, string> = {
  switched: 'switched to green, verified, old blue snapshotted and removed',
  refused: 'refused at preflight; nothing was created',
  'rolled-back':
    "rolled back before the switch; green deleted (or never created), blue serves as before (with this release's migrations, if any were applied)",
  'compensation-stuck': 'ACTION NEEDED: green could not be confirmed deleted',
  'failed-after-switch': 'ACTION NEEDED: switched but not verified; old blue kept untouched',
  'cleanup-held': 'switched and verified; cleanup held, old blue kept',
  held: 'HELD: a person put a hold on this run; nothing was deleted',
  'migration-failed':
    'stopped on blue before green was created (a migration failed, or the DDL guard could not be installed); nothing was created',
  'reverse-broken':
    'ATTENTION: the reverse stream to old blue is broken; the switch stands, but a fail-back would lose writes until it is fixed',
  'failed-back':
    'FAILED BACK: the production name serves old blue again, verified; the new primary is kept under its -failed name; nothing will be deleted',
  'fail-back-refused':
    'fail-back refused: writes unblocked on the new primary, the production name unchanged',
  'fail-back-stuck':
    'ACTION NEEDED: the fail-back stopped halfway and could not undo itself; see the instance names below',
  'failed-after-fail-back':
    'ACTION NEEDED: failed back, but the verification failed; both instances kept untouched',
};

/** Runbook lines for the source's engine; `<executionArn>` is replaced by the run's execution ARN. */
export const runbookFor = (engine: string): Partial<Record<Outcome, string[]>> => ({
  'failed-after-switch': [
    'Fail-back runbook:',
    `0. First stop every automatic deletion: \`npx switchyard hold <executionArn>\` (tags the run's instances and deployment ${TAGS.hold}).`,
    '1. Check the new primary (the original name) and the alarms named in the problems above.',
    `2. If it must go back: old blue (the -old1 instance) is intact and read-only; set ${readOnlyParameterFor(engine)}=0 in its parameter group, reboot it, and point the application at its endpoint.`,
    '3. Writes made on the new primary since the switch are not on old blue; export them before failing back.',
    '4. Do not delete either instance until the incident is closed.',
    '5. If "Reverse replication: on" above: on PostgreSQL the new primary keeps a logical slot (sy_fb_…) for old blue, which holds WAL until it is removed; a fail-back removes it, otherwise drop it (and old blue\'s subscription of the same name) when the incident is closed. On MariaDB old blue replicates from the new primary: end it on old blue with CALL mysql.rds_stop_replication; CALL mysql.rds_reset_external_master.',
  ],
  'compensation-stuck': [
    'Runbook: delete the deployment named above with `aws rds delete-blue-green-deployment --blue-green-deployment-identifier <id> --delete-target`,',
    "after confirming its status is not SWITCHOVER_COMPLETED; blue was not changed beyond this release's migrations (listed above) and the DDL guard.",
  ],
  held: [
    `Runbook: what the hold protects is listed in the reason above. When the incident is closed, remove the tag ${TAGS.hold}`,
    'from the instances and the deployment, then snapshot and delete old blue by hand (the run has ended; it will not resume).',
  ],
  'cleanup-held': [
    'Runbook: take a manual snapshot of old blue, confirm it is available, then delete old blue when its retention ends.',
  ],
  'fail-back-stuck': [
    `Runbook: 0. \`npx switchyard hold <executionArn>\`. 1. Find both instances by the resource ids above (aws rds describe-db-instances).`,
    '2. Give the production name to the instance that should serve (aws rds modify-db-instance --new-db-instance-identifier … --apply-immediately),',
    '   after renaming whatever holds it aside; 3. make that instance writable and the other read-only',
    `   (PostgreSQL: ALTER DATABASE <db> RESET default_transaction_read_only / SET … = on; MySQL/MariaDB: ${readOnlyParameterFor(engine)} in each instance's own parameter group, 0 and a reboot for the one that serves;`,
    `   the tag ${TAGS.readOnlyBefore} on an instance says what its group held before the fail-back).`,
  ],
  'failed-after-fail-back': [
    'Runbook: nothing was deleted. Check the problems above on the production name (old blue); the failed new primary keeps every',
    'write made before the fail-back under its -failed name. Do not delete either instance until the incident is closed.',
  ],
  'failed-back': [
    'Nothing will be deleted by this run: the failed new primary (-failed name) and its data stay for inspection; delete it by hand when done.',
  ],
});

/** Subject and body for an outcome, with the numbers behind each decision. */
export const composeNotification = (outcome: Outcome, executionId: string, state: State) => {
  const source = text(at(state, 'preflight.plan.sourceId') ?? at(state, 'input.source.dbInstanceIdentifier'));
  // Known once Preflight passed; a refused run names no engine (it may be the reason for the refusal).
  const engine = at(state, 'preflight.plan.engine');
  const engineName = typeof engine === 'string' ? engineLabel(engine) : undefined;
  const lines = [
    `Switchyard ${source}: ${HEADLINE[outcome]}.`,
    `Execution: ${executionId}`,
    `Deployment: ${text(at(state, 'create.deploymentId') ?? at(state, 'compensation.deploymentId'))} (${text(at(state, 'preflight.plan.replication'))} replication)`,
    `Versions: ${engineName ? `${engineName} ` : ''}${text(at(state, 'preflight.plan.currentEngineVersion'))} → ${text(at(state, 'preflight.plan.targetEngineVersion'))}`,
    `Green: ${text(at(state, 'green.greenInstanceId'))}, last status ${text(at(state, 'green.deploymentStatus'))}`,
    `Lag: ${text(at(state, 'lag.value'))} ${text(at(state, 'lag.unit'))} (${text(at(state, 'lag.metric'))}), ${text(at(state, 'lag.consecutiveOk'))} consecutive samples under threshold`,
    `Migrations gate: ${text(at(state, 'preflight.migrations.verdict'))} — ${text(at(state, 'preflight.migrations.summary'))}`,
    // MaintainGreen's last round (ANALYZE, view refreshes); the Pass that starts the loop has no summary.
    ...(typeof at(state, 'greenMaintenance.summary') === 'string'
      ? [`Green maintenance: ${text(at(state, 'greenMaintenance.summary'))}`]
      : []),
    `Approval: ${text(at(state, 'approval.decision'))} by ${text(at(state, 'approval.by'))} at ${text(at(state, 'approval.at'))}`,
    `Switchover: ${text(at(state, 'switchoverStatus.detail'))}; old blue ${text(at(state, 'switchoverStatus.oldBlueId'))}`,
    `Verification: ${text(at(state, 'verify.ok'))} ${text(at(state, 'verify.problems'))}`,
  ];
  lines.push(...reverseLines(state));
  lines.push(
    ...migrationLines(outcome, state),
    ...guardLines(outcome, state),
    ...hookReportLines(at(state, 'hookResults')),
    ...failBackLines(state),
  );
  lines.push(...describeRecreates(at(state, 'recreates') as Recreates | undefined));
  const compensation = at(state, 'compensation.action');
  if (compensation !== undefined) lines.push(`Compensation: ${text(compensation)}`);
  const error = at(state, 'error') as { Error?: string; Cause?: string } | undefined;
  if (error) lines.push(`Reason: ${text(error.Error)}: ${text(causeMessage(error.Cause))}`);
  const compensationError = at(state, 'compensationError') as { Error?: string; Cause?: string } | undefined;
  if (compensationError)
    lines.push(
      `Compensation error: ${text(compensationError.Error)}: ${text(causeMessage(compensationError.Cause))}`,
    );
  const runbook = runbookFor(typeof engine === 'string' ? engine : 'postgres')[outcome] ?? [];
  lines.push(...runbook.map((line) => line.replace('<executionArn>', executionId)));
  return {
    subject: `[Switchyard] ${source}: ${outcome}`,
    message: lines.join('\n'),
    reason: reasonFor(outcome, state),
  };
};

/** Reverse replication (docs/reverse-replication.md): whether it runs, its last status and lag, and any error setting it up. */
const reverseLines = (state: State): string[] => {
  const decision = at(state, 'preflight.plan.reverse') as { enabled?: boolean; reason?: string } | undefined;
  if (!decision) return [];
  const lines = [`Reverse replication: ${decision.enabled ? 'on' : 'off'} (${text(decision.reason)})`];
  const status = at(state, 'reverse') as
    | { state?: string; lag?: number | null; lagUnit?: string; detail?: string }
    | undefined;
  if (status?.state)
    lines.push(
      `Reverse stream: ${status.state}, lag ${text(status.lag)} ${text(status.lagUnit)}: ${text(status.detail)}`,
    );
  for (const key of ['reversePrepareError', 'reverseError']) {
    const e = at(state, key) as { Error?: string; Cause?: string } | undefined;
    if (e) lines.push(`Reverse replication error: ${text(e.Error)}: ${text(causeMessage(e.Cause))}`);
  }
  return lines;
};

/** One line for the Fail state's Cause (and `switchyard status`): the outcome and the readable error behind it. */
export const reasonFor = (outcome: Outcome, state: State): string => {
  const error = readableError(at(state, 'compensationError')) ?? readableError(at(state, 'error'));
  return error ? `${HEADLINE[outcome]}: ${error.error}: ${error.cause}` : HEADLINE[outcome];
};

interface UnitLine {
  key: string;
  source: string;
  excerpt: string;
  outcome: string;
  durationMs: number | null;
  error?: string;
}

/** What ApplyMigrations did on blue; for a failed run every unit, the failing one and why no undo is needed. */
const migrationLines = (outcome: Outcome, state: State): string[] => {
  const m = at(state, 'migrationsApplied') as
    | {
        verdict?: string;
        total?: number;
        applied?: number;
        units?: UnitLine[];
        failure?: { source: string; error: string } | null;
        noUndo?: string | null;
      }
    | undefined;
  if (!m?.verdict) return [];
  const lines = [`Migrations applied on blue: ${text(m.applied)} of ${text(m.total)} (${m.verdict})`];
  if (outcome === 'migration-failed') {
    for (const u of m.units ?? [])
      lines.push(
        `- ${u.outcome} ${u.source}${u.durationMs == null ? '' : ` (${u.durationMs} ms)`}: ${u.excerpt}${u.error ? ` — ${u.error}` : ''}`,
      );
    if (m.failure) lines.push(`Failing: ${m.failure.source}: ${m.failure.error}`);
    if (m.noUndo) lines.push(`Undo: ${m.noUndo}`);
  }
  return lines;
};

const REMOVE_GUARD =
  'DROP EVENT TRIGGER IF EXISTS switchyard_ddl_log; DROP EVENT TRIGGER IF EXISTS switchyard_ddl_freeze; DROP FUNCTION IF EXISTS switchyard.log_ddl(), switchyard.freeze_ddl();';

/** The DDL guard: how blue was watched, what it saw, and whether it is still installed somewhere. */
const guardLines = (outcome: Outcome, state: State): string[] => {
  const guard = at(state, 'ddlGuard') as { mode?: string; freeze?: boolean; warnings?: string[] } | undefined;
  if (!guard?.mode) return [];
  const lines = [
    `DDL guard: ${guard.mode}${guard.freeze ? ' (DDL frozen)' : ''}`,
    ...(guard.warnings ?? []).map((w) => `  ${w}`),
  ];
  const release = (at(state, 'ddlGuardRelease') ?? at(state, 'ddlGuardRollbackRelease')) as
    | {
        allReleased?: boolean;
        summary?: string;
        instances?: Array<{ instanceId: string; released: boolean; detail: string }>;
      }
    | undefined;
  if (release?.summary) lines.push(`  ${release.summary}`);
  const kept = (release?.instances ?? []).filter((i) => !i.released);
  const unreleased =
    guard.mode === 'event-trigger' && (!release || kept.length > 0 || at(state, 'ddlGuardReleaseError'));
  if (unreleased && outcome !== 'switched')
    lines.push(
      `  The guard is still installed${kept.length ? ` on ${kept.map((i) => `${i.instanceId} (${i.detail})`).join(', ')}` : ''}; once no Blue/Green deployment needs it, remove it: ${REMOVE_GUARD}`,
    );
  else if (unreleased)
    lines.push(
      `  ACTION: the guard could not be removed${kept.length ? ` from ${kept.map((i) => i.instanceId).join(', ')}` : ''}: ${REMOVE_GUARD}`,
    );
  return lines;
};

/** The fail-back, when one was decided: who, how far it got, and the names involved. */
const failBackLines = (state: State): string[] => {
  const decision = at(state, 'failBackDecision') as
    | { by?: string; at?: string; channel?: string }
    | undefined;
  if (!decision?.by) return [];
  const lines = [
    `Fail-back: decided by ${text(decision.by)} via ${text(decision.channel)} at ${text(decision.at)}`,
  ];
  const block = at(state, 'failBack') as { failedName?: string; detail?: string } | undefined;
  if (block?.detail) lines.push(`  Writes blocked: ${block.detail}`);
  const catchUp = at(state, 'failBackCatchUp') as
    | { state?: string; lag?: number | null; lagUnit?: string; detail?: string }
    | undefined;
  if (catchUp?.state)
    lines.push(
      `  Reverse stream: ${catchUp.state}, lag ${text(catchUp.lag)} ${text(catchUp.lagUnit)} (${text(catchUp.detail)})`,
    );
  const sequences = at(state, 'failBackHandOver.sequences') as { detail?: string } | undefined;
  if (sequences?.detail) lines.push(`  Sequences: ${sequences.detail}`);
  for (const key of ['failBackAside', 'failBackToProduction', 'failBackRestore']) {
    const r = at(state, key) as { detail?: string; resourceId?: string | null } | undefined;
    if (r?.detail) lines.push(`  Rename: ${r.detail}${r.resourceId ? ` (resource ${r.resourceId})` : ''}`);
  }
  const undo = at(state, 'failBackUndo') as { detail?: string } | undefined;
  if (undo?.detail) lines.push(`  Undone: ${undo.detail}`);
  lines.push(
    `  Instances: new primary resource ${text(at(state, 'green.greenResourceId'))}${block?.failedName ? ` (to be kept as ${block.failedName})` : ''}, old blue ${text(at(state, 'retain.oldBlueId'))} resource ${text(at(state, 'retain.oldBlueResourceId'))}`,
  );
  const verify = at(state, 'failBackVerify') as { ok?: boolean; problems?: string[] } | undefined;
  if (verify && verify.ok !== undefined)
    lines.push(
      `  Verified after the fail-back: ${verify.ok}${verify.problems?.length ? ` ${text(verify.problems)}` : ''}`,
    );
  const deployment = at(state, 'failBackDeployment') as { detail?: string } | undefined;
  if (deployment?.detail) lines.push(`  ${deployment.detail}`);
  const deploymentError = at(state, 'failBackDeploymentError') as
    | { Error?: string; Cause?: string }
    | undefined;
  if (deploymentError)
    lines.push(
      `  Blue/Green deployment not deleted (${text(deploymentError.Error)}: ${text(causeMessage(deploymentError.Cause))}); delete it (without --delete-target) before the next deployment of this instance`,
    );
  return lines;
};
