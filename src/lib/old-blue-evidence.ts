/** Reads, right before a snapshot or a delete, everything `proveOldBlue` decides on. Reads only. */
import type { Gateways } from '#aws/gateways';
import {
  type InstanceView,
  type OldBlueClaim,
  type OldBlueEvidence,
  readOnlyParameterFor,
} from '#domain/deletion';
import type { InstanceFacts } from '#domain/facts';

/** DatabaseConnections must have stayed at 0 this long before old blue may go. */
export const CONNECTIONS_WINDOW_MINUTES = 15;

const view = (i: InstanceFacts | undefined): InstanceView | undefined =>
  i && {
    id: i.id,
    resourceId: i.resourceId,
    status: i.status,
    engine: i.engine,
    tags: i.tags,
    deletionProtection: i.deletionProtection,
    endpoint: i.endpoint ? `${i.endpoint.address}:${i.endpoint.port}` : undefined,
  };

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
    byResourceId: view(byResourceId),
    byName: view(byName),
    production: view(production),
    readOnlyParameter,
    maxConnections,
    connectionsWindowMinutes: CONNECTIONS_WINDOW_MINUTES,
    ...(snapshot === undefined ? {} : { snapshot }),
  };
};
