/**
 * MakeOldBlueWritable: old blue, current and with the reverse stream gone, takes writes. PostgreSQL: at
 * once (per-database setting, src/aws/fail-back-database.ts). MySQL/MariaDB: `read_only=0` in its own
 * parameter group and a reboot (src/lib/fail-back-writes.ts); CheckOldBlueWritable waits for it.
 */
import { failBackDatabaseGateway, type Gateways, rdsGateway, systemClock, systemPause } from '#aws/gateways';
import { boundedLoopSeconds, RENAME_DEADLINE_SECONDS } from '#domain/budget';
import { MakeOldBlueWritableInput } from '#domain/fail-back-contracts';
import { addSeconds } from '#domain/plan';
import { readFailBackInstances, targetOn } from '#lib/fail-back-instances';
import { isMysqlFamily, makeOldBlueWritableByGroup } from '#lib/fail-back-writes';
import { taskHandler } from '#lib/task-handler';

export const makeMakeOldBlueWritableHandler = (
  gw: Pick<Gateways, 'rds' | 'failBackDatabase' | 'clock' | 'pause'>,
) =>
  taskHandler(MakeOldBlueWritableInput, async ({ database, pollSeconds, ...claim }) => {
    const instances = await readFailBackInstances(gw, claim);
    const target = targetOn(database, instances.oldBlue, 'old blue');
    const now = gw.clock();
    // A reboot is waited for as long as a rename (the same RDS instance-modification scale).
    const deadline = addSeconds(now, boundedLoopSeconds(RENAME_DEADLINE_SECONDS, pollSeconds));
    if (isMysqlFamily(database?.engine)) {
      const step = await makeOldBlueWritableByGroup(gw, instances.oldBlue!, target);
      return { ...step, oldBlueId: instances.oldBlue!.id, deadline, checkedAt: now.toISOString() };
    }
    await gw.failBackDatabase.makeWritable(target);
    return {
      writable: true,
      detail: `${instances.oldBlue!.id} takes writes (per-database setting)`,
      oldBlueId: instances.oldBlue!.id,
      deadline,
      checkedAt: now.toISOString(),
    };
  });

export const handler = makeMakeOldBlueWritableHandler({
  rds: rdsGateway(),
  failBackDatabase: failBackDatabaseGateway(),
  clock: systemClock,
  pause: systemPause,
});
