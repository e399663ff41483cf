/**
 * Budgets checked at the input, before anything exists: the execution history (25,000 events per
 * execution in Step Functions; past it the run fails with no Catch) and the state size (256 KiB).
 *
 * Events per loop iteration, counted from the ASL (a Lambda Task that succeeds writes TaskStateEntered,
 * LambdaFunctionScheduled, LambdaFunctionStarted, LambdaFunctionSucceeded, TaskStateExited; a Wait and a
 * Choice write Entered and Exited each): every polling loop is Wait (2) → Task (5) → Choice (2) = 9.
 *
 * Margin: the sum of every loop run to its deadline, plus one pass through every other state, must stay
 * under 20,000 events, 80 % of the limit. The other 5,000 absorb Lambda retries (3 events per attempt:
 * 16 tasks × 11 attempts is 528 on the worst pass) and the approval callback, with room to spare. The sum
 * counts the compensation loop and the snapshot loop together although one run takes only one of them,
 * and the fail-back branch (its catch-up loop once per attempt allowed, its renames, its other states)
 * on top of the snapshot loop although a run that fails back never snapshots. Compensation and the
 * fail-back exclude each other (before and after the switch): the larger of the two is counted.
 */

import { recreateBound } from './recreate.ts';

/** The input fields the budget reads (a structural subset of ExecutionInput; input.ts calls this module). */
export interface BudgetInput {
  green: {
    readyDeadlineMinutes: number;
    pollSeconds: number;
    recreateOnDegraded?: boolean;
    maxRecreates?: number | undefined;
    /** MaintainGreen's rounds (absent: the loop is not counted) */
    maintenanceDeadlineMinutes?: number;
    maintenanceTimeBudgetSeconds?: number;
  };
  lag: { deadlineMinutes: number; pollSeconds: number };
  window?: { start: string; end: string } | undefined;
  switchover: { timeoutSeconds: number; pollSeconds: number };
  verify: { bakeMinutes: number; pollSeconds: number };
  hooks?: Partial<Record<string, Array<{ retries: number }>>> | undefined;
  /** absent in budgets computed before the fail-back branch existed: its input defaults then */
  failBack?: { catchUpDeadlineSeconds: number; pollSeconds: number; renamePollSeconds: number } | undefined;
}

/**
 * Hooks (src/domain/hooks.ts), counted from the ASL: a point with hooks costs Has/Start (4), GatherHookFacts
 * (5), RunHooks' Map events (4), AfterHooks and Save (4); each hook 4 (iteration started/succeeded,
 * StartHook) plus per attempt StartHookAttempt, ChooseHookKind (4), the hook's Task (6 with .sync),
 * RecordHookAttempt (5), AfterHookAttempt (2), and HookDone (2). beforeSwitch hooks run again after each
 * switchover refusal.
 */
export const EVENTS_PER_HOOK_POINT = 17;
export const EVENTS_PER_HOOK = 6;
export const EVENTS_PER_HOOK_ATTEMPT = 17;
const hookEvents = (hooks: BudgetInput['hooks']): number =>
  Object.entries(hooks ?? {}).reduce((sum, [point, list]) => {
    if (!list?.length) return sum;
    const once =
      EVENTS_PER_HOOK_POINT +
      list.reduce((s, h) => s + EVENTS_PER_HOOK + EVENTS_PER_HOOK_ATTEMPT * (h.retries + 1), 0);
    return sum + once * (point === 'beforeSwitch' ? MAX_SWITCHOVER_REFUSALS + 1 : 1);
  }, 0);

export const HISTORY_EVENT_LIMIT = 25_000;
export const HISTORY_EVENT_BUDGET = 20_000;
export const EVENTS_PER_POLL = 9;
/** The bake loop also runs StartReverseReplication (a Task, 5) and IsReverseStreamBroken (a Choice, 2) per pass. */
export const EVENTS_PER_BAKE_POLL = EVENTS_PER_POLL + 7;
/** One pass through the states outside the loops (about 45 states × up to 6 events), rounded up. */
export const EVENTS_OUTSIDE_LOOPS = 400;
/** Switchover refusals that go back to the window and lag checks before the run compensates. */
export const MAX_SWITCHOVER_REFUSALS = 3;

/** Loops whose deadline the code fixes (not the input) run at most this many polls. */
export const FIXED_LOOP_MAX_POLLS = 360;
export const SNAPSHOT_DEADLINE_SECONDS = 6 * 3600;
export const COMPENSATION_DEADLINE_SECONDS = 3600;
/** Fail-back decisions a run may act on: each refused one (old blue did not catch up) reopens the window. */
export const MAX_FAIL_BACK_ATTEMPTS = 2;
/**
 * How long one rename of the fail-back may take to show as available under its new name (RDS user
 * guide, renaming a DB instance: the new DNS name "becomes effective in about 10 minutes" and the
 * instance is not available until then; doubled).
 */
export const RENAME_DEADLINE_SECONDS = 1200;
/**
 * Rename loops a run makes at most: new primary aside, old blue to production, the aside undone. Only
 * once per run: after renames were tried the window does not reopen (MayFailBackAgain).
 */
export const FAIL_BACK_RENAMES = 3;
/** MySQL/MariaDB: old blue's reboot (read_only hold dropped) is waited for like a rename, once per run. */
export const OLD_BLUE_REBOOT_WAITS = 1;
/**
 * One pass through the fail-back branch's states outside its loops, rounded up: the longest (decision,
 * block, sequences, stop, writable, renames, a failed rename undone, unblock, notify, reopen) is about
 * 70 events; the loops' polls are counted apart.
 */
export const EVENTS_PER_FAIL_BACK_PASS = 90;

/** A fixed deadline shortened to FIXED_LOOP_MAX_POLLS polls when polls are short (1 s in a rehearsal). */
export const boundedLoopSeconds = (fixedSeconds: number, pollSeconds: number): number =>
  Math.min(fixedSeconds, pollSeconds * FIXED_LOOP_MAX_POLLS);

/** Input size caps: four copies of the document (input, plan, approval request, report) stay under 256 KiB. */
export const MAX_INPUT_BYTES = 32 * 1024;
export const MAX_STATEMENT_BYTES = 8 * 1024;

export interface LoopBudget {
  loop: string;
  /** the input field that sets the poll (the one to raise) */
  field: string;
  polls: number;
  events: number;
}

const polls = (deadlineSeconds: number, pollSeconds: number): number =>
  Math.ceil(deadlineSeconds / pollSeconds) + 1;

const windowSeconds = (window: { start: string; end: string }): number => {
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const length = (minutes(window.end) - minutes(window.start) + 24 * 60) % (24 * 60);
  return length * 60;
};

/** Worst-case history events per loop, each loop run to its deadline. */
export const historyBudget = (input: BudgetInput): { loops: LoopBudget[]; total: number } => {
  const loop = (name: string, field: string, n: number, perPoll = EVENTS_PER_POLL): LoopBudget => ({
    loop: name,
    field,
    polls: n,
    events: n * perPoll,
  });
  // Each green built (the first and every green.recreateOnDegraded rebuild) runs the readiness and lag
  // loops again, and each rebuild waits for the old green's deletion. Rebuilds happen only before approval
  // (the lag loop), so the recheck loop is not multiplied.
  const builds = recreateBound(input.green) + 1;
  // Every refusal re-enters the window and recheck loops; the recheck runs to the window's end (or the lag deadline).
  const entries = MAX_SWITCHOVER_REFUSALS + 1;
  const recheckSeconds = input.window ? windowSeconds(input.window) : input.lag.deadlineMinutes * 60;
  const switchoverSeconds =
    input.switchover.timeoutSeconds + Math.max(60, input.switchover.timeoutSeconds / 2);
  const loops = [
    loop(
      'green readiness',
      'green.pollSeconds',
      builds * polls(input.green.readyDeadlineMinutes * 60, input.green.pollSeconds),
    ),
    loop(
      'lag convergence',
      'lag.pollSeconds',
      builds * polls(input.lag.deadlineMinutes * 60, input.lag.pollSeconds),
    ),
    // MaintainGreen → IsGreenMaintained (7 events, counted as 9): one round per time budget until its deadline.
    ...(input.green.maintenanceDeadlineMinutes && input.green.maintenanceTimeBudgetSeconds
      ? [
          loop(
            'green maintenance',
            'green.maintenanceTimeBudgetSeconds',
            builds *
              polls(input.green.maintenanceDeadlineMinutes * 60, input.green.maintenanceTimeBudgetSeconds),
          ),
        ]
      : []),
    // AwaitWindow sleeps until the next opening: a check before it and one after, per entry.
    loop('maintenance window', 'window', 2 * entries),
    loop(
      'lag recheck before the switch',
      'lag.pollSeconds',
      entries * polls(recheckSeconds, input.lag.pollSeconds),
    ),
    loop('switchover', 'switchover.pollSeconds', polls(switchoverSeconds, input.switchover.pollSeconds)),
    loop(
      'bake',
      'verify.pollSeconds',
      polls(input.verify.bakeMinutes * 60, input.verify.pollSeconds),
      EVENTS_PER_BAKE_POLL,
    ),
    loop(
      'final snapshot',
      'verify.pollSeconds',
      polls(
        boundedLoopSeconds(SNAPSHOT_DEADLINE_SECONDS, input.verify.pollSeconds),
        input.verify.pollSeconds,
      ),
    ),
    loop(
      'old green deletion before a rebuild',
      'green.pollSeconds',
      (builds - 1) *
        polls(
          boundedLoopSeconds(COMPENSATION_DEADLINE_SECONDS, input.green.pollSeconds),
          input.green.pollSeconds,
        ),
    ),
    loop(
      'compensation',
      'green.pollSeconds',
      polls(
        boundedLoopSeconds(COMPENSATION_DEADLINE_SECONDS, input.green.pollSeconds),
        input.green.pollSeconds,
      ),
    ),
    // The fail-back branch: a catch-up loop per attempt, and (once per run) at most three renames.
    loop(
      'reverse catch-up (fail-back)',
      'failBack.pollSeconds',
      MAX_FAIL_BACK_ATTEMPTS *
        polls(input.failBack?.catchUpDeadlineSeconds ?? 120, input.failBack?.pollSeconds ?? 5),
    ),
    loop(
      'renames (fail-back)',
      'failBack.renamePollSeconds',
      (FAIL_BACK_RENAMES + OLD_BLUE_REBOOT_WAITS) *
        polls(
          boundedLoopSeconds(RENAME_DEADLINE_SECONDS, input.failBack?.renamePollSeconds ?? 60),
          input.failBack?.renamePollSeconds ?? 60,
        ),
    ),
  ];
  const hooks = hookEvents(input.hooks);
  if (hooks > 0) loops.push({ loop: 'hooks', field: 'hooks', polls: 0, events: hooks });
  const failBackPasses = MAX_FAIL_BACK_ATTEMPTS * EVENTS_PER_FAIL_BACK_PASS;
  // A run compensates (before the switch) or fails back (after it), never both: only the larger counts.
  const events = (name: string) => loops.find((l) => l.loop === name)?.events ?? 0;
  const failBack = events('reverse catch-up (fail-back)') + events('renames (fail-back)') + failBackPasses;
  const exclusive = Math.min(events('compensation'), failBack);
  // A rebuild passes again through the states between CreateGreen and the switch: counted as a whole pass.
  return {
    loops,
    total:
      builds * EVENTS_OUTSIDE_LOOPS +
      failBackPasses +
      loops.reduce((sum, l) => sum + l.events, 0) -
      exclusive,
  };
};

/** The problem with the history budget, naming the loop that costs most and the field to change; or null. */
export const historyBudgetProblem = (input: BudgetInput): { field: string; message: string } | null => {
  const { loops, total } = historyBudget(input);
  if (total <= HISTORY_EVENT_BUDGET) return null;
  const worst = [...loops].sort((a, b) => b.events - a.events)[0]!;
  return {
    field: worst.field,
    message:
      `the run could write up to ${total} history events (Step Functions stops a run at ${HISTORY_EVENT_LIMIT}; ` +
      `Switchyard allows ${HISTORY_EVENT_BUDGET}); the ${worst.loop} loop alone polls up to ${worst.polls} times ` +
      `(${worst.events} events): raise ${worst.field} or shorten its deadline`,
  };
};

export const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;
