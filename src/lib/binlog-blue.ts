/** Preflight's SQL look at a MySQL/MariaDB blue (reads only). */
import type { DatabaseGateway } from '#aws/database-gateway';
import { binlogHazardWarnings } from '#domain/binlog-inspection';
import type { ExternalReplicaFacts } from '#domain/binlog-preflight';
import { engineFamily, isBinlogEngine } from '#domain/engine';
import type { InstanceFacts } from '#domain/facts';
import type { ExecutionInput } from '#domain/input';

/**
 * MySQL/MariaDB, over SQL with the `database` credentials: is blue an external binlog replica (a
 * refusal), and what in its schema hurts binlog replication (warnings). Without credentials both are
 * reported as not checked.
 */
export const readBinlogBlue = async (
  input: ExecutionInput,
  instance: InstanceFacts,
  database: Pick<DatabaseGateway, 'replicaStatus' | 'binlogCatalog'>,
): Promise<{ externalReplica: ExternalReplicaFacts; hazards: string[] } | undefined> => {
  const engine = engineFamily(instance.engine);
  if (!engine || !isBinlogEngine(engine)) return undefined;
  const unchecked = (reason: string) => ({
    externalReplica: { checked: false as const, reason },
    hazards: [`${instance.id}: schema not inspected for binlog hazards (${reason})`],
  });
  if (!input.database) return unchecked('no database section to connect with');
  if (!instance.endpoint) return unchecked('blue has no endpoint yet');
  const target = { ...input.database, host: instance.endpoint.address, port: instance.endpoint.port, engine };
  const [replica, catalog] = await Promise.allSettled([
    database.replicaStatus(target, instance.engineVersion),
    database.binlogCatalog(target),
  ]);
  return {
    externalReplica:
      replica.status === 'fulfilled'
        ? { checked: true, ...replica.value }
        : { checked: false, reason: `SHOW REPLICA STATUS failed: ${(replica.reason as Error).message}` },
    hazards:
      catalog.status === 'fulfilled'
        ? binlogHazardWarnings(catalog.value)
        : [`${instance.id}: schema not inspected for binlog hazards (${(catalog.reason as Error).message})`],
  };
};
