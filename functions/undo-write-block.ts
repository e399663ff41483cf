/**
 * UnblockWrites: the compensation of a fail-back that did not finish (refused or failed before the
 * production name moved): the new primary takes writes again, old blue goes back to read-only, and
 * what is left of the rollback window is reported so the window can reopen.
 */
import { failBackDatabaseGateway, type Gateways, rdsGateway, systemClock, systemPause } from '#aws/gateways';
import { windowSecondsLeft } from '#domain/fail-back';
import { UndoWriteBlockInput } from '#domain/fail-back-contracts';
import { readFailBackInstances, targetOn } from '#lib/fail-back-instances';
import { isMysqlFamily, makeOldBlueReadOnlyByGroup, unblockWritesByGroup } from '#lib/fail-back-writes';
import { taskHandler } from '#lib/task-handler';

export const makeUndoWriteBlockHandler = (
  gw: Pick<Gateways, 'rds' | 'failBackDatabase' | 'clock' | 'pause'>,
) =>
  taskHandler(UndoWriteBlockInput, async ({ database, retainUntil, ...claim }) => {
    const instances = await readFailBackInstances(gw, claim);
    const newPrimary = targetOn(database, instances.newPrimary, 'new primary');
    const npId = instances.newPrimary!.id;
    const obId = instances.oldBlue?.id ?? claim.oldBlueId;
    let detail: string;
    // Production's writes first: a failure with old blue must not keep the application read-only.
    if (isMysqlFamily(database?.engine)) {
      const unblocked = await unblockWritesByGroup(gw, instances.newPrimary!, newPrimary);
      const readOnly = await makeOldBlueReadOnlyByGroup(
        gw,
        instances.oldBlue!,
        targetOn(database, instances.oldBlue, 'old blue'),
      );
      detail = `${unblocked}; ${readOnly}`;
    } else {
      await gw.failBackDatabase.unblockWrites(newPrimary);
      await gw.failBackDatabase.makeReadOnly(targetOn(database, instances.oldBlue, 'old blue'));
      detail = `writes unblocked on ${npId}; ${obId} read-only again`;
    }
    return {
      newPrimaryId: npId,
      oldBlueId: obId,
      detail,
      windowSeconds: windowSecondsLeft(retainUntil, gw.clock()),
    };
  });

export const handler = makeUndoWriteBlockHandler({
  rds: rdsGateway(),
  failBackDatabase: failBackDatabaseGateway(),
  clock: systemClock,
  pause: systemPause,
});
