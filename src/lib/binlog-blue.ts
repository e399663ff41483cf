/** Preflight's SQL question to a MySQL/MariaDB blue that the inspection table does not ask (reads only). */
import type { DatabaseGateway } from '#aws/database-gateway';
import type { ExternalReplicaFacts } from '#domain/binlog-preflight';
import { engineFamily, isBinlogEngine } from '#domain/engine';
import type { InstanceFacts } from '#domain/facts';
import type { ExecutionInput } from '#domain/input';

/**
 * MySQL/MariaDB, over SQL with the `database` credentials: is blue an external binlog replica (a
 * refusal in binlog-preflight.ts)? MySQL: SHOW REPLICA STATUS (REPLICATION CLIENT); RDS for MariaDB ≥ 10.5:
 * CALL mysql.rds_replica_status, the master user having no SLAVE MONITOR (mysql-database.ts). Without
 * credentials, or when the statement fails, it is reported as not checked.
 */
export const readExternalReplica = async (
  input: ExecutionInput,
  instance: InstanceFacts,
  database: Pick<DatabaseGateway, 'replicaStatus'>,
): Promise<ExternalReplicaFacts | undefined> => {
  const engine = engineFamily(instance.engine);
  if (!engine || !isBinlogEngine(engine)) return undefined;
  if (!input.database) return { checked: false, reason: 'no database section to connect with' };
  if (!instance.endpoint) return { checked: false, reason: 'blue has no endpoint yet' };
  const target = { ...input.database, host: instance.endpoint.address, port: instance.endpoint.port, engine };
  try {
    return { checked: true, ...(await database.replicaStatus(target, instance.engineVersion)) };
  } catch (err) {
    return { checked: false, reason: `reading blue's replica status failed: ${(err as Error).message}` };
  }
};
