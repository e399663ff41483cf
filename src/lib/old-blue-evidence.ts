/** Reads, right before a snapshot or a delete, everything `proveOldBlue` decides on. Reads only. */
import type { Gateways } from '#aws/gateways';
import {
  type OldBlueClaim,
  type OldBlueEvidence,
  readOnlyParameterFor,
  toInstanceView,
} from '#domain/deletion';

/** DatabaseConnections must have stayed at 0 this long before old blue may go. */
export const CONNECTIONS_WINDOW_MINUTES = 15;

export const gatherOldBlueEvidence = async (
  gw: Pick<Gateways, 'rds' | 'metrics' | 'clock'>,
  claim: OldBlueClaim,
  snapshotId?: string,
): Promise<OldBlueEvidence> => {
  const [byResourceId, byName, production] = await Promise.all([
    gw.rds.describeInstanceByResourceId(claim.resourceId),
    gw.rds.describeInstance(claim.instanceId),
    gw.rds.describeInstance(claim.sourceId),
  ]);
  let readOnlyParameter: OldBlueEvidence['readOnlyParameter'] = null;
  const group = byResourceId?.parameterGroups[0]?.name;
  if (byResourceId && group) {
    const name = readOnlyParameterFor(byResourceId.engine);
    const found = await gw.rds.describeParameter(group, name);
    readOnlyParameter = { name, group, value: found?.value ?? null, source: found?.source ?? 'absent' };
  }
  const maxConnections = byResourceId
    ? await gw.metrics.maxRdsMetric(
        'DatabaseConnections',
        byResourceId.id,
        gw.clock(),
        CONNECTIONS_WINDOW_MINUTES,
      )
    : null;
  const snapshot =
    snapshotId === undefined ? undefined : ((await gw.rds.describeSnapshot(snapshotId)) ?? null);
  return {
    byResourceId: toInstanceView(byResourceId),
    byName: toInstanceView(byName),
    production: toInstanceView(production),
    readOnlyParameter,
    maxConnections,
    connectionsWindowMinutes: CONNECTIONS_WINDOW_MINUTES,
    ...(snapshot === undefined ? {} : { snapshot }),
  };
};
