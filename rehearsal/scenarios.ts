/**
 * The rehearsal's scenarios: each drives one branch of the state machine through the emulator's fault
 * injection (or through the approval link a person would click) and names the end state it must reach.
 */
import type { Fault } from '../emulator/index.ts';
import type { CommandHook } from './command-hooks.ts';

export type Outcome =
  | 'switched'
  | 'failed-back'
  | 'rolled-back'
  | 'failed-after-switch'
  | 'refused'
  | 'compensation-incomplete'
  | 'cleanup-incomplete'
  | 'migration-failed'
  | 'aborted';

export const SCENARIO_NAMES = [
  'happy',
  'approval-rejected',
  'approval-timeout',
  'green-invalid',
  'green-deadline',
  'lag-stall',
  'switchover-fails',
  'verify-fails',
  'bad-input',
  'migration-fails',
  'schema-hazards',
  'ddl-during-replication',
  'ddl-during-replication-recreate',
  'sequence-behind',
  'data-drift',
  'hook-fails',
  'events-dropped',
  'fail-back',
] as const;

export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** What the approver does when the approval links arrive. */
export type ApprovalAction = 'approve' | 'reject' | 'ignore' | 'human';

export interface Scenario {
  name: ScenarioName;
  /** One line for --help and the summary. */
  description: string;
  expected: Outcome;
  /** Faults injected into the emulator before the execution starts. */
  faults: Fault[];
  /** The approver's action unless a person decides (no --auto-approve). */
  approval: Exclude<ApprovalAction, 'human'>;
  /** Set the verify alarm to ALARM right after the switch (before the first Verify reads it). */
  alarmAfterSwitch?: boolean;
  /** Give blue the schema-hazards objects before the run (rehearsal/schema-hazards.ts). */
  schemaHazards?: boolean;
  /** SQL run on blue through its endpoint right after the first lag check (green is AVAILABLE by then). */
  ddlOnBlueDuringLag?: string;
  /** SQL run on the new primary (green) right after the switch, before the first Verify reads it. */
  onGreenAfterSwitch?: string;
  /** Change a row directly on green right before the first ValidateData (rehearsal/data-drift.ts). */
  driftOnGreen?: boolean;
  /** Local command hooks the scenario runs (rehearsal/command-hooks.ts), besides --hook ones. */
  hooks?: CommandHook[];
  /** Every RDS event is lost (RDS delivers them best effort): the event waits must end by their fallback polls. */
  eventsDropped?: boolean;
  /** Run with green.recreateOnDegraded: a broken replication window rebuilds green instead of rolling back. */
  recreateOnDegraded?: boolean;
  /**
   * Click the e-mailed "Fail back" link this many ms after the rollback window opens (the write load
   * keeps writing on the new primary meanwhile, and through the fail-back until the run has ended).
   */
  failBackAfterMs?: number;
}

/** The sample test suite against green (examples/hooks/), run by the happy rehearsal at greenReady. */
export const SAMPLE_GREEN_SUITE: CommandHook = {
  point: 'greenReady',
  name: 'green-suite',
  command: 'node examples/hooks/green-suite.mjs',
  timeoutSeconds: 60,
};

/** A greenReady suite that fails (exits 1): hook-fails. */
export const FAILING_GREEN_SUITE: CommandHook = {
  point: 'greenReady',
  name: 'green-suite',
  command: "echo 'green-suite: 1 of 3 checks failed: orders count differs' >&2; exit 1",
  timeoutSeconds: 30,
};

/** A sequence set back on green after RDS synced it: the next INSERT taking a default would collide. */
export const SEQUENCE_SET_BACK = "SELECT setval('public.orders_id_seq', 1)";

/** The report: a column added on blue breaks green's apply worker (logical path), then a write to it. */
export const DDL_DURING_REPLICATION =
  "ALTER TABLE orders ADD COLUMN note text; UPDATE orders SET note = 'degrades green' WHERE id = (SELECT min(id) FROM orders)";

export const VERIFY_ALARM = 'orders-5xx';

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  'hook-fails': {
    name: 'hook-fails',
    description:
      'the greenReady test suite (a local command hook) exits 1; nobody is asked to approve, green is deleted, the notification names the hook',
    expected: 'rolled-back',
    faults: [],
    approval: 'approve',
    hooks: [FAILING_GREEN_SUITE],
  },
  happy: {
    name: 'happy',
    description:
      'PostgreSQL 17 → 18 by logical replication, the sample greenReady hook passing against green, approved, switched, verified, old blue snapshotted and deleted',
    expected: 'switched',
    faults: [],
    approval: 'approve',
    hooks: [SAMPLE_GREEN_SUITE],
  },
  'approval-rejected': {
    name: 'approval-rejected',
    description: 'the approver rejects through the reject link; green is deleted',
    expected: 'rolled-back',
    faults: [],
    approval: 'reject',
  },
  'approval-timeout': {
    name: 'approval-timeout',
    description: 'nobody answers within approval.timeoutMinutes (3 s here); green is deleted',
    expected: 'rolled-back',
    faults: [],
    approval: 'ignore',
  },
  'green-invalid': {
    name: 'green-invalid',
    description: 'green fails to build (INVALID_CONFIGURATION); the deployment and green are deleted',
    expected: 'rolled-back',
    faults: [{ kind: 'green-invalid-configuration' }],
    approval: 'approve',
  },
  'green-deadline': {
    name: 'green-deadline',
    description: 'green provisions slower than green.readyDeadlineMinutes (4 s here); green is deleted',
    expected: 'rolled-back',
    faults: [{ kind: 'slow-provisioning', ms: 120_000 }],
    approval: 'approve',
  },
  'lag-stall': {
    name: 'lag-stall',
    description:
      'green stops applying changes under the write load; lag never converges by lag.deadlineMinutes',
    expected: 'rolled-back',
    faults: [{ kind: 'replication-stall' }],
    approval: 'approve',
  },
  'switchover-fails': {
    name: 'switchover-fails',
    description:
      'RDS cancels the switchover (SWITCHOVER_FAILED) and rolls back; green is deleted, blue serves again',
    expected: 'rolled-back',
    faults: [{ kind: 'switchover-fails' }],
    approval: 'approve',
  },
  'verify-fails': {
    name: 'verify-fails',
    description: `the ${VERIFY_ALARM} alarm fires after the switch; the run holds old blue read-only and pages`,
    expected: 'failed-after-switch',
    faults: [],
    approval: 'approve',
    alarmAfterSwitch: true,
  },
  'bad-input': {
    name: 'bad-input',
    description:
      'an unknown input field and a destructive expand migration; Preflight refuses, nothing is created',
    expected: 'refused',
    faults: [],
    approval: 'approve',
  },
  'migration-fails': {
    name: 'migration-fails',
    description:
      'the second expand statement references a table blue does not have; the run stops before green, the first stays applied',
    expected: 'migration-failed',
    faults: [],
    approval: 'approve',
  },
  'schema-hazards': {
    name: 'schema-hazards',
    description:
      'blue has a table without a primary key, a large object, an unlogged table and a materialized view; Preflight refuses naming each, nothing is created, production writes go on',
    expected: 'refused',
    faults: [],
    approval: 'approve',
    schemaHazards: true,
  },
  'ddl-during-replication': {
    name: 'ddl-during-replication',
    description:
      'after green is AVAILABLE, ALTER TABLE orders ADD COLUMN note (and a write to it) on blue through its endpoint; the next lag check sees it, green is deleted, the DDL named',
    expected: 'rolled-back',
    faults: [],
    approval: 'approve',
    ddlOnBlueDuringLag: DDL_DURING_REPLICATION,
  },
  'ddl-during-replication-recreate': {
    name: 'ddl-during-replication-recreate',
    description:
      'the same DDL on blue with green.recreateOnDegraded: the lag check sees it, green is deleted and rebuilt from blue as it now is, and the run switches to the new green',
    expected: 'switched',
    faults: [],
    approval: 'approve',
    ddlOnBlueDuringLag: DDL_DURING_REPLICATION,
    recreateOnDegraded: true,
  },
  'sequence-behind': {
    name: 'sequence-behind',
    description:
      'public.orders_id_seq is set back to 1 on green (the new primary) right after the switch; Verify fails naming it and the setval fix, old blue is held',
    expected: 'failed-after-switch',
    faults: [],
    approval: 'approve',
    onGreenAfterSwitch: SEQUENCE_SET_BACK,
  },
  'data-drift': {
    name: 'data-drift',
    description:
      'a row is changed directly on green after it caught up; validation finds the difference in every recheck, refuses the switch naming the key range, green is deleted',
    expected: 'rolled-back',
    faults: [],
    approval: 'approve',
    driftOnGreen: true,
  },
  'events-dropped': {
    name: 'events-dropped',
    description:
      'RDS loses every event (emulator fault drop-events); the green and switchover waits end by their fallback polls and the run still switches',
    expected: 'switched',
    faults: [{ kind: 'drop-events' }],
    approval: 'approve',
    eventsDropped: true,
  },
  'fail-back': {
    name: 'fail-back',
    description:
      'Switched and verified under the write load (PostgreSQL 17 → 18; with --engine mariadb a 10.11 minor upgrade); in the rollback window the approver clicks the e-mailed "Fail back" link; old blue catches up by reverse replication and takes the production name back; every acknowledged write is on the original server',
    expected: 'failed-back',
    faults: [],
    approval: 'approve',
    failBackAfterMs: 3000,
  },
};

export const isScenarioName = (name: string): name is ScenarioName =>
  (SCENARIO_NAMES as readonly string[]).includes(name);

/** Maps the execution's terminal state to an outcome. */
export const outcomeOf = (
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT',
  error: string | null,
  lastState?: string,
): Outcome => {
  // FailedBack is the other Succeed state (the fail-back branch, docs/fail-back.md).
  if (status === 'SUCCEEDED') return lastState === 'FailedBack' ? 'failed-back' : 'switched';
  switch (error) {
    case 'Switchyard.RolledBack':
      return 'rolled-back';
    case 'Switchyard.FailedAfterSwitch':
      return 'failed-after-switch';
    case 'Switchyard.Refused':
      return 'refused';
    case 'Switchyard.CompensationIncomplete':
      return 'compensation-incomplete';
    case 'Switchyard.CleanupIncomplete':
      return 'cleanup-incomplete';
    case 'Switchyard.MigrationFailed':
      return 'migration-failed';
    default:
      return 'aborted';
  }
};

/** Every outcome, for `--expect` (the Record makes the compiler ask for a new Outcome here). */
const OUTCOME_SET: Record<Outcome, true> = {
  switched: true,
  'rolled-back': true,
  'failed-after-switch': true,
  'failed-back': true,
  refused: true,
  'compensation-incomplete': true,
  'cleanup-incomplete': true,
  'migration-failed': true,
  aborted: true,
};
export const OUTCOMES = Object.keys(OUTCOME_SET) as Outcome[];

export const isOutcome = (text: string): text is Outcome => (OUTCOMES as string[]).includes(text);
