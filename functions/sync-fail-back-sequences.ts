/**
 * SyncSequences: logical replication carries rows, not sequence positions, so before old blue takes
 * writes every owned sequence there is set at least as far as the new primary's (and its own column
 * maximum). MySQL/MariaDB: AUTO_INCREMENT follows the replicated rows; nothing to set.
 */
import { databaseGateway, failBackDatabaseGateway, type Gateways, rdsGateway } from '#aws/gateways';
import { FailBackRefusedError } from '#domain/errors';
import { sequencesToAdvance } from '#domain/fail-back';
import { FailBackDatabaseStepInput } from '#domain/fail-back-contracts';
import { isPostgres } from '#domain/postgres-target';
import { readFailBackInstances, targetOn } from '#lib/fail-back-instances';
import { taskHandler } from '#lib/task-handler';

export const makeSyncFailBackSequencesHandler = (
  gw: Pick<Gateways, 'rds' | 'database' | 'failBackDatabase'>,
) =>
  taskHandler(FailBackDatabaseStepInput, async ({ database, ...claim }) => {
    const instances = await readFailBackInstances(gw, claim);
    const newPrimary = targetOn(database, instances.newPrimary, 'new primary');
    const oldBlue = targetOn(database, instances.oldBlue, 'old blue');
    if (!isPostgres(database))
      return { moves: [], missing: [], detail: await gw.failBackDatabase.advanceSequences(oldBlue, []) };
    const [primaryReadings, oldBlueReadings] = await Promise.all([
      gw.database.readOwnedSequences(newPrimary),
      gw.database.readOwnedSequences(oldBlue),
    ]);
    const { moves, missing } = sequencesToAdvance(primaryReadings, oldBlueReadings);
    if (missing.length > 0)
      throw new FailBackRefusedError(
        `old blue lacks sequence(s) the new primary has (${missing.join(', ')}): the schema changed since the switch, so old blue cannot hold every write`,
      );
    const detail = await gw.failBackDatabase.advanceSequences(oldBlue, moves);
    return { moves, missing, detail };
  });

export const handler = makeSyncFailBackSequencesHandler({
  rds: rdsGateway(),
  database: databaseGateway(),
  failBackDatabase: failBackDatabaseGateway(),
});
