/**
 * State transitions (the Step Functions Standard price unit) of the real ASL for a long run, counted by
 * running the real state machine with the real handlers over the path tests' scripted world
 * (test/support/fake-world.ts, its clock moved by each Wait state's length), with the production defaults of the input
 * document: green polled every 60 s, lag every 30 s, a 15-minute bake polled every 60 s, 72 h retention.
 * The approval is a `.waitForTaskToken` callback, so its wait costs the same whether it lasts a second
 * or a day; the bench also prices the same wait done by polling, for comparison.
 */
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
  /** transitions added per green poll (Wait → CheckGreen → IsGreenReady) */
  perGreenPoll: number;
  /** a 24 h approval wait, polled every 60 s instead of a callback (3 transitions a poll) */
  approvalPolledInsteadUsd: number;
  approvalPolledInsteadTransitions: number;
  freeTierRunsPerMonth: number;
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
): Promise<TransitionRun> => {
  // One describe per 60 s poll while PROVISIONING; the clock moves with the Wait states.
  const world = makeWorld({ provisioningPolls: Math.max(1, Math.round(greenBuildMinutes)), lag: [0] });
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
  const quick = await count('green ready at the first poll', 1, 0);
  const long = await count('4 h green build, 24 h approval wait', 240, 24);
  const longer = await count('5 h green build, 24 h approval wait', 300, 24);
  // Past green.readyDeadlineMinutes (6 h by default) the run compensates instead: the loop is bounded.
  const tooLong = await count('8 h green build (past the 6 h deadline)', 480, 0);
  for (const r of [quick, long, longer, tooLong])
    log(`  ${r.label}: ${r.transitions} transitions, $${r.costUsd.toFixed(4)} (${r.status})`);
  const perGreenPoll = (longer.transitions - long.transitions) / (300 - 240);
  const polled = 24 * 60 * 3;
  return {
    runs: [quick, long, longer, tooLong],
    perGreenPoll,
    approvalPolledInsteadTransitions: polled,
    approvalPolledInsteadUsd: polled * PRICE_PER_TRANSITION,
    freeTierRunsPerMonth: Math.floor(FREE_TIER / long.transitions),
  };
};
