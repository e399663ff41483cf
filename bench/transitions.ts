/**
 * State transitions (the Step Functions Standard price unit) of the real ASL for a long run, counted by
 * running the real state machine with the real handlers over the path tests' scripted world
 * (test/support/fake-world.ts, its clock moved by each Wait state's length and each event wait's
 * fallback poll), with the production defaults of the input document: green and the switch waited on
 * RDS events with 900 s and 60 s fallback polls, lag every 30 s, a 15-minute bake polled every 60 s, 72 h retention.
 * The approval is a `.waitForTaskToken` callback, so its wait costs the same whether it lasts a second
 * or a day; the bench also prices the same wait done by polling, for comparison.
 */
import {
  DEFAULT_WAVES,
  type FleetCost,
  fleetCost,
  PRODUCTION_PROFILE,
  type RunProfile,
  runCost,
} from '../src/domain/cost-model.ts';
import { makeWorld } from '../test/support/fake-world.ts';
import { runPath } from '../test/support/run-path.ts';

/** $ per state transition, Standard workflows, us-east-1 (AWS Step Functions pricing page). */
export const PRICE_PER_TRANSITION = 0.025 / 1000;
const FREE_TIER = 4000;

export interface TransitionRun {
  label: string;
  greenBuildMinutes: number;
  approvalWaitHours: number;
  states: number;
  transitions: number;
  /** AWS history events (the 25,000 quota, and what state-machine logging level ALL writes) */
  historyEvents: number;
  costUsd: number;
  status: string;
}

export interface TransitionBench {
  runs: TransitionRun[];
  /** transitions added per minute of green build (one fallback poll of 3 transitions per 15 minutes) */
  perGreenPoll: number;
  /** a 24 h approval wait, polled every 60 s instead of a callback (3 transitions a poll) */
  approvalPolledInsteadUsd: number;
  approvalPolledInsteadTransitions: number;
  freeTierRunsPerMonth: number;
  /** the cost model (src/domain/cost-model.ts) beside each measured run: its transitions for that run */
  modelCheck: Array<{ label: string; measured: number; model: number }>;
  /** the model's fleets: 10, 100, 1,000 databases, default waves, events and polling */
  fleets: Array<FleetCost & { mode: string; plan: string }>;
}

const productionInput = () => ({
  source: { dbInstanceIdentifier: 'orders-db' },
  target: { engineVersion: '18.4', dbParameterGroupName: 'orders-pg18' },
  approval: { required: true, approvers: ['dba@example.com'], timeoutMinutes: 1440 },
  verify: { alarmNames: ['orders-5xx'] },
  database: { name: 'orders', user: 'switchyard', passwordParameter: '/orders-db/password' },
});

const count = async (
  label: string,
  greenBuildMinutes: number,
  approvalWaitHours: number,
  events: 'delivered' | 'dropped' = 'delivered',
): Promise<TransitionRun> => {
  // Green is ready greenBuildMinutes after CreateGreen on the world's clock, which moves with the Wait
  // states and the event waits' fallback polls; RDS-EVENT-0244/0248 wake the waits unless dropped.
  const world = makeWorld({
    provisioningMinutes: greenBuildMinutes,
    lag: [0],
    ...(events === 'dropped' ? { dropEvents: 'all' as const } : {}),
  });
  const run = await runPath(world, productionInput(), 'approve');
  return {
    label,
    greenBuildMinutes,
    approvalWaitHours,
    states: run.states.length,
    transitions: run.transitions,
    historyEvents: run.historyEvents,
    costUsd: run.transitions * PRICE_PER_TRANSITION,
    status: run.status,
  };
};

export const benchTransitions = async (log: (line: string) => void): Promise<TransitionBench> => {
  const quick = await count('green ready within a minute', 1, 0);
  const long = await count('4 h green build, 24 h approval wait', 240, 24);
  const longer = await count('5 h green build, 24 h approval wait', 300, 24);
  const dropped = await count('4 h green build, 24 h approval, every RDS event dropped', 240, 24, 'dropped');
  // Past green.readyDeadlineMinutes (6 h by default) the run compensates instead: the loop is bounded.
  const tooLong = await count('8 h green build (past the 6 h deadline)', 480, 0);
  const runs = [quick, long, longer, dropped, tooLong];
  for (const r of runs)
    log(`  ${r.label}: ${r.transitions} transitions, $${r.costUsd.toFixed(4)} (${r.status})`);
  // Per minute of green build: one fallback poll (AwaitGreenEvent → CheckGreen → IsGreenReady) per 15 minutes.
  const perGreenPoll = (longer.transitions - long.transitions) / (300 - 240);
  const polled = 24 * 60 * 3;
  // The fake world switches at the first check after the call: a switch shorter than one fallback poll.
  const modelOf = (minutes: number): number =>
    runCost({ ...PRODUCTION_PROFILE, greenBuildMinutes: minutes, switchoverSeconds: 5 }).transitions;
  const modelCheck = [quick, long, longer, dropped].map((r) => ({
    label: r.label,
    measured: r.transitions,
    model: modelOf(r.greenBuildMinutes),
  }));
  for (const m of modelCheck) log(`  model vs measured, ${m.label}: ${m.model} vs ${m.measured}`);
  const fleets: TransitionBench['fleets'] = [];
  for (const mode of ['events', 'polling'] as const)
    for (const n of [10, 100, 1000])
      for (const [planName, plan] of [
        ['default waves', DEFAULT_WAVES],
        ['all at once', { ...DEFAULT_WAVES, waveShare: 1, maxConcurrency: n }],
      ] as const) {
        const profile: RunProfile = { ...PRODUCTION_PROFILE, mode };
        fleets.push({ ...fleetCost(n, plan, profile), mode, plan: planName });
      }
  return {
    runs,
    modelCheck,
    fleets,
    perGreenPoll,
    approvalPolledInsteadTransitions: polled,
    approvalPolledInsteadUsd: polled * PRICE_PER_TRANSITION,
    freeTierRunsPerMonth: Math.floor(FREE_TIER / long.transitions),
  };
};
