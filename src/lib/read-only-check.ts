/**
 * After a MySQL/MariaDB switchover: is old blue read-only and the new primary writable? RDS keeps old
 * blue read-only through `read_only` (RDS user guide, "Switching a blue/green deployment", after
 * switchover), but no control-plane call reports the running value: DescribeDBInstances has no such
 * field, and the parameter group shows what is configured, not what RDS set. So it is read over SQL
 * on each endpoint, with the smoke credentials. PostgreSQL and runs without `database` skip it.
 */
import type { DatabaseGateway, DatabaseTarget } from '#aws/database-gateway';
import { isBinlogEngine } from '#domain/engine';
import type { InstanceFacts } from '#domain/facts';

const readOrReason = (read: Promise<boolean>): Promise<boolean | string> =>
  read.catch((err: unknown) => (err instanceof Error ? err.message : String(err)));

export const readOnlyStates = async (
  database: Pick<DatabaseGateway, 'isReadOnly'>,
  primary: DatabaseTarget | null,
  oldBlue: InstanceFacts | undefined,
): Promise<{ oldBlue: boolean | string; primary: boolean | string } | undefined> => {
  if (!primary?.engine || !isBinlogEngine(primary.engine)) return undefined;
  const oldBlueRead = oldBlue?.endpoint
    ? readOrReason(
        database.isReadOnly({ ...primary, host: oldBlue.endpoint.address, port: oldBlue.endpoint.port }),
      )
    : Promise.resolve('old blue has no endpoint');
  const [oldBlueState, primaryState] = await Promise.all([
    oldBlueRead,
    readOrReason(database.isReadOnly(primary)),
  ]);
  return { oldBlue: oldBlueState, primary: primaryState };
};
