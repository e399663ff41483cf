/** CheckOldBlueWritable: is old blue back from its reboot and taking writes? Reads only (one describe, one session). */
import { failBackDatabaseGateway, type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { CheckOldBlueWritableInput } from '#domain/fail-back-contracts';
import { readFailBackInstances, targetOn } from '#lib/fail-back-instances';
import { taskHandler } from '#lib/task-handler';

export const makeCheckOldBlueWritableHandler = (gw: Pick<Gateways, 'rds' | 'failBackDatabase' | 'clock'>) =>
  taskHandler(CheckOldBlueWritableInput, async ({ database, deadline, ...claim }) => {
    const instances = await readFailBackInstances(gw, claim);
    const oldBlue = instances.oldBlue;
    const status = oldBlue?.status ?? 'missing';
    // Only an available instance is asked: a rebooting one refuses connections.
    const writable =
      status === 'available' &&
      (await gw.failBackDatabase.isWritable(targetOn(database, oldBlue, 'old blue')));
    return {
      writable,
      detail: `${oldBlue?.id ?? claim.oldBlueId} is ${status}${status === 'available' ? (writable ? ' and takes writes' : ' but still read-only') : ''}`,
      oldBlueId: oldBlue?.id ?? claim.oldBlueId,
      status,
      deadline,
      checkedAt: gw.clock().toISOString(),
    };
  });

export const handler = makeCheckOldBlueWritableHandler({
  rds: rdsGateway(),
  failBackDatabase: failBackDatabaseGateway(),
  clock: systemClock,
});
