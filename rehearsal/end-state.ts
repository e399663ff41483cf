/**
 * What is true once the run has ended, measured through the same clients a user has: the server behind
 * the endpoint, the acknowledged writes it lacks, what DescribeBlueGreenDeployments and
 * DescribeDBInstances list (with each instance's read-only setting), the snapshots, and the approval as
 * the approval table recorded it.
 */
import { DescribeBlueGreenDeploymentsCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { APPROVAL_TABLE } from './environment.ts';
import type { Harness } from './harness.ts';
import { SOURCE_ID } from './input.ts';
import type { EngineProbes } from './pg-probes.ts';
import type { EndpointIdentity, RehearsalReport } from './report.ts';
import type { WriteLoad } from './write-load.ts';

export interface EndState {
  /** Acknowledged write ids missing from the server now behind the endpoint. */
  lost: number[];
  after: EndpointIdentity | null;
  deployments: Array<{ id: string; status: string }>;
  instances: RehearsalReport['remaining']['instances'];
  snapshots: Array<{ id: string; status: string }>;
  /** The endpoint instance's EngineVersion as DescribeDBInstances reports it. */
  endpointEngineVersion: string | undefined;
  /** The approval item's fields (undefined when it was never asked or never written). */
  approvalItem: ApprovalItem | undefined;
}

export type ApprovalItem = Record<string, { S?: string; N?: string } | undefined>;

const withTimeout = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())]);

export const measureEndState = async (
  harness: Harness,
  writes: WriteLoad,
  probes: EngineProbes,
  approvalId: string | undefined,
): Promise<EndState> => {
  const emu = harness.emulator;
  // The emulator's background jobs (deletes, snapshots) settle first, as a user would wait to look.
  await withTimeout(emu.idle(), 15_000, undefined);
  const lost = await writes.lostWrites(emu.connectionConfig(SOURCE_ID));
  const after = await probes.identify(emu, SOURCE_ID);
  const deployments =
    (await harness.rds.send(new DescribeBlueGreenDeploymentsCommand({}))).BlueGreenDeployments ?? [];
  const described = (await harness.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
  const state = (await (await fetch(`${emu.url}/_switchyard/state`)).json()) as {
    snapshots: Array<{ id: string; status: string }>;
  };
  const instances = await Promise.all(
    described.map(async (i) => ({
      id: i.DBInstanceIdentifier ?? '',
      status: i.DBInstanceStatus ?? '',
      engineVersion: i.EngineVersion ?? '',
      readOnly:
        i.DBInstanceStatus === 'available'
          ? await probes.isReadOnly(emu, i.DBInstanceIdentifier ?? '')
          : null,
    })),
  );
  const approvalItem = approvalId
    ? (harness.dynamo
        .items(APPROVAL_TABLE)
        .find((i) => (i as ApprovalItem).pk?.S === `approval#${approvalId}`) as ApprovalItem | undefined)
    : undefined;
  return {
    lost,
    after,
    deployments: deployments.map((d) => ({
      id: d.BlueGreenDeploymentIdentifier ?? '',
      status: d.Status ?? '',
    })),
    instances,
    snapshots: state.snapshots.map((s) => ({ id: s.id, status: s.status })),
    endpointEngineVersion: described.find((i) => i.DBInstanceIdentifier === SOURCE_ID)?.EngineVersion,
    approvalItem,
  };
};
