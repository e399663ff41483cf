/**
 * UnblockWrites: the compensation of a fail-back that did not finish (refused or failed before the
 * production name moved): the new primary takes writes again, old blue goes back to read-only, and
 * what is left of the rollback window is reported so the window can reopen.
 */
import { failBackDatabaseGateway, type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { windowSecondsLeft } from '#domain/fail-back';
import { UndoWriteBlockInput } from '#domain/fail-back-contracts';
import { readFailBackInstances, targetOn } from '#lib/fail-back-instances';
import { taskHandler } from '#lib/task-handler';

export const makeUndoWriteBlockHandler = (gw: Pick<Gateways, 'rds' | 'failBackDatabase' | 'clock'>) =>
  taskHandler(UndoWriteBlockInput, async ({ database, retainUntil, ...claim }) => {
    const instances = await readFailBackInstances(gw, claim);
    // Production's writes first: a failure with old blue must not keep the application read-only.
    await gw.failBackDatabase.unblockWrites(targetOn(database, instances.newPrimary, 'new primary'));
    await gw.failBackDatabase.makeReadOnly(targetOn(database, instances.oldBlue, 'old blue'));
    return {
      newPrimaryId: instances.newPrimary!.id,
      oldBlueId: instances.oldBlue!.id,
      detail: `writes unblocked on ${instances.newPrimary!.id}; ${instances.oldBlue!.id} read-only again`,
      windowSeconds: windowSecondsLeft(retainUntil, gw.clock()),
    };
  });

export const handler = makeUndoWriteBlockHandler({
  rds: rdsGateway(),
  failBackDatabase: failBackDatabaseGateway(),
  clock: systemClock,
});
