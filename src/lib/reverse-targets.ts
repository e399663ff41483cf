/** The run's database on one instance, at that instance's own endpoint (read now: names move at the switch). */
import type { DatabaseTarget } from '#aws/database-gateway';
import type { Gateways } from '#aws/gateways';
import { ReverseReplicationUnsupportedError } from '#domain/reverse-replication';

export const reverseTarget = async (
  gw: Pick<Gateways, 'rds'>,
  database: DatabaseTarget,
  instanceId: string,
  role: string,
): Promise<DatabaseTarget> => {
  const instance = await gw.rds.describeInstance(instanceId);
  if (!instance?.endpoint)
    throw new ReverseReplicationUnsupportedError(
      `${role} ${instanceId} has no endpoint in DescribeDBInstances`,
    );
  return { ...database, host: instance.endpoint.address, port: instance.endpoint.port };
};

/** The same, found by DbiResourceId (stable across renames): the server this run recorded, whatever its name now. */
export const reverseTargetByResourceId = async (
  gw: Pick<Gateways, 'rds'>,
  database: DatabaseTarget,
  resourceId: string,
  role: string,
): Promise<DatabaseTarget> => {
  const instance = await gw.rds.describeInstanceByResourceId(resourceId);
  if (!instance?.endpoint)
    throw new ReverseReplicationUnsupportedError(
      `${role} (resource ${resourceId}) is gone or has no endpoint`,
    );
  return { ...database, host: instance.endpoint.address, port: instance.endpoint.port };
};
