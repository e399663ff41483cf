/**
 * Runs the real fleet ASL with the real fleet handlers; each child is the real blue-green ASL with the
 * real pipeline handlers over its own scripted fake world (test/support/fake-world.ts). A fake world
 * models one database named `orders-db`, so the child's input is pointed at it: the fleet logic (waves,
 * names, thresholds, approvals) sees the fleet's ids, each child the world's own database.
 */

import type { RdsGateway } from '#aws/rds-gateway';
import type { InstanceFacts } from '#domain/facts';
import { makeNotifyFleetHandler } from '../../functions/notify-fleet.ts';
import { makePlanFleetHandler } from '../../functions/plan-fleet.ts';
import { makePrepareChildHandler } from '../../functions/prepare-child.ts';
import { makeTallyWaveHandler } from '../../functions/tally-wave.ts';
import { CallbackRegistry } from '../../local/callbacks.ts';
import { fleetTaskStates, readRawFleetDefinition } from '../../local/fleet-definition.ts';
import { type FleetRunResult, runFleet } from '../../local/run-fleet.ts';
import type { World } from './fake-world.ts';
import { type ApprovalScript, runPath } from './run-path.ts';

export const FLEET_EXECUTION_ARN =
  'arn:aws:states:us-east-1:123456789012:execution:switchyard-fleet-test:fleet-1';

export interface FleetPathOptions {
  /** the fleet's wave approvals in order (default: approve every one) */
  waveApprovals?: ApprovalScript[];
  /** the instances a tag query reads (DescribeDBInstances) */
  instances?: InstanceFacts[];
}

export interface FleetPathRun extends FleetRunResult {
  fleetNotifications: Array<{ subject: string; message: string; attributes: Record<string, string> }>;
  approvalRequests: unknown[];
  /** children by fleet database id, in the order they started */
  started: string[];
}

const zeroWaits = (): Record<string, number> => {
  const states = readRawFleetDefinition().States as Record<string, { Type: string }>;
  return Object.fromEntries(
    Object.entries(states)
      .filter(([, s]) => s.Type === 'Wait')
      .map(([name]) => [name, 0]),
  );
};

export const runFleetPath = async (
  document: unknown,
  worlds: Record<string, World>,
  options: FleetPathOptions = {},
): Promise<FleetPathRun> => {
  const clock = () => new Date('2026-11-22T01:00:00Z');
  const fleetNotifications: FleetPathRun['fleetNotifications'] = [];
  const approvalRequests: unknown[] = [];
  const started: string[] = [];
  const approvals = [...(options.waveApprovals ?? [])];
  const callbacks = new CallbackRegistry();
  const rds = {
    listInstances: async () => structuredClone(options.instances ?? []),
  } as unknown as RdsGateway;
  const handlers: Record<string, (event: unknown, context: object) => Promise<unknown>> = {
    planFleet: makePlanFleetHandler({ rds, clock }) as never,
    prepareChild: makePrepareChildHandler() as never,
    tallyWave: makeTallyWaveHandler(clock) as never,
    notifyFleet: makeNotifyFleetHandler({
      notify: {
        publish: async (subject: string, message: string, attributes: Record<string, string> = {}) => {
          fleetNotifications.push({ subject, message, attributes });
          return `msg-${fleetNotifications.length}`;
        },
      },
    } as never) as never,
  };
  const retryIntervals = Object.fromEntries(
    [...fleetTaskStates().lambdas.map((b) => b.state), ...fleetTaskStates().children].map((s) => [s, 0]),
  );
  const result = await runFleet({
    input: document,
    executionId: FLEET_EXECUTION_ARN,
    callbacks,
    waitTimeOverrides: zeroWaits(),
    retryIntervalOverrides: retryIntervals,
    invoke: async (functionKey, payload) => {
      if (functionKey === 'requestApproval') {
        approvalRequests.push(payload);
        const token = (payload as { taskToken: string }).taskToken;
        const script = approvals.shift() ?? 'approve';
        const at = '2026-11-22T01:00:00.000Z';
        setTimeout(() => {
          const decision = {
            by: 'dba@example.com',
            at,
            channel: 'email',
            sourceIp: '127.0.0.1',
            approvalId: 'ap-f',
          };
          if (script === 'approve') callbacks.sendTaskSuccess(token, { decision: 'approved', ...decision });
          if (script === 'reject')
            callbacks.sendTaskFailure(
              token,
              'ApprovalRejected',
              JSON.stringify({ decision: 'rejected', ...decision, reason: 'not this wave' }),
            );
        }, 5);
        return { approvalId: 'ap-f', links: { approve: [], reject: [] } };
      }
      const handler = handlers[functionKey];
      if (!handler) throw new Error(`no fleet handler bound for ${functionKey}`);
      return handler(payload, {});
    },
    runChild: async ({ executionArn, input }) => {
      const id = (input as { source: { dbInstanceIdentifier: string } }).source.dbInstanceIdentifier;
      const world = worlds[id];
      if (!world) throw new Error(`no fake world for ${id}`);
      started.push(id);
      const asWorld = {
        ...(input as Record<string, unknown>),
        source: { dbInstanceIdentifier: 'orders-db' },
      };
      return runPath(world, asWorld, 'approve', undefined, { executionId: executionArn });
    },
  });
  return { ...result, fleetNotifications, approvalRequests, started };
};
