/**
 * The cost model checked against a simulation: the real fleet state machine (statemachine/fleet.asl.yaml)
 * over 200 scripted databases in the local runner, no servers. Each database is a real blue-green child
 * run (real ASL, real handlers) over its own fake world whose green takes 4 h on the world's clock and
 * whose RDS events wake the event waits. Measured: transitions of the fleet and of every child, Lambda
 * invocations (Task states entered + relay deliveries), RDS Describe calls; beside them the model's figures.
 */

import { readRawDefinition } from '../local/definition.ts';
import { type RunProfile, runCost } from '../src/domain/cost-model.ts';
import { makeWorld, type World } from '../test/support/fake-world.ts';
import { runFleetPath } from '../test/support/run-fleet-path.ts';
import { baseInput } from '../test/support/run-path.ts';

export interface FleetSimBench {
  databases: number;
  waves: number[];
  status: string;
  wallMs: number;
  fleetTransitions: number;
  childTransitions: { total: number; perChildMedian: number };
  modelPerChild: number;
  invocations: { total: number; perChild: number; modelPerChild: number };
  /** RDS API calls (describes and mutating calls) of all children */
  rdsDescribes: { total: number; perChild: number; modelPerChild: number };
}

export const benchFleetSim = async (log: (line: string) => void, databases = 200): Promise<FleetSimBench> => {
  const ids = Array.from({ length: databases }, (_, i) => `db-${String(i + 1).padStart(3, '0')}`);
  const describes = new Map<string, number>();
  const worlds: Record<string, World> = {};
  for (const id of ids) {
    const world = makeWorld({ provisioningMinutes: 240, lag: [0] });
    const rds = world.gateways.rds;
    for (const name of ['describeDeployment', 'describeInstance'] as const) {
      const real = rds[name].bind(rds) as (...a: unknown[]) => Promise<unknown>;
      (rds as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => {
        describes.set(id, (describes.get(id) ?? 0) + 1);
        return real(...a);
      };
    }
    worlds[id] = world;
  }
  const { source: _source, ...template } = baseInput({
    green: { readyDeadlineMinutes: 360, pollSeconds: 60 },
    switchover: { timeoutSeconds: 300, pollSeconds: 5 },
    verify: { bakeMinutes: 15, pollSeconds: 60, alarmNames: ['orders-5xx'] },
  });
  const started = Date.now();
  const run = await runFleetPath(
    {
      databases: ids,
      template,
      canary: { count: 1, bakeMinutes: 60 },
      waves: { size: 50 },
      maxConcurrency: 50,
      toleratedFailureCount: 0,
    },
    worlds,
  );
  const wallMs = Date.now() - started;
  const types = Object.fromEntries(
    Object.entries(readRawDefinition().States as Record<string, { Type: string }>).map(([k, v]) => [
      k,
      v.Type,
    ]),
  );
  const childTransitions = run.children.map((c) => c.result?.transitions ?? 0).sort((a, b) => a - b);
  const childTasks = run.children.reduce(
    (n, c) => n + (c.result?.states.filter((s) => types[s] === 'Task').length ?? 0),
    0,
  );
  // Relay deliveries are not in a child's result; each child's world emitted 0244 and 0248.
  const relayed = Object.values(worlds).reduce((n, w) => n + w.emitted.filter((e) => !e.dropped).length, 0);
  const profile: RunProfile = {
    greenBuildMinutes: 240,
    approvalHours: 0,
    switchoverSeconds: 5,
    greenPollSeconds: 60,
    switchoverPollSeconds: 5,
    mode: 'events',
    ownApproval: false,
  };
  const model = runCost(profile);
  const totalDescribes =
    [...describes.values()].reduce((a, b) => a + b, 0) +
    Object.values(worlds).reduce((n, w) => n + w.calls.length, 0);
  const waves =
    (run.output as { progress?: { waves: Array<{ planned: number }> } } | null)?.progress?.waves?.map(
      (w) => w.planned,
    ) ?? [];
  const result: FleetSimBench = {
    databases,
    waves,
    status: run.status,
    wallMs,
    fleetTransitions: run.transitions,
    childTransitions: {
      total: childTransitions.reduce((a, b) => a + b, 0),
      perChildMedian: childTransitions[Math.floor(childTransitions.length / 2)] ?? 0,
    },
    modelPerChild: model.transitions,
    invocations: {
      total: childTasks + relayed,
      perChild: (childTasks + relayed) / databases,
      modelPerChild: model.invocations,
    },
    rdsDescribes: {
      total: totalDescribes,
      perChild: totalDescribes / databases,
      modelPerChild: model.rdsCalls,
    },
  };
  log(
    `  fleet of ${databases}: ${run.status} in ${(wallMs / 1000).toFixed(1)} s; fleet machine ${run.transitions} transitions; children ${result.childTransitions.total} (median ${result.childTransitions.perChildMedian}, model ${model.transitions})`,
  );
  return result;
};
