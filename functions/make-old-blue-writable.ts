/** MakeOldBlueWritable: old blue, current and with the reverse stream gone, takes writes (see src/aws/fail-back-database.ts for how). */
import { failBackDatabaseGateway, type Gateways, rdsGateway } from '#aws/gateways';
import { FailBackDatabaseStepInput } from '#domain/fail-back-contracts';
import { readFailBackInstances, targetOn } from '#lib/fail-back-instances';
import { taskHandler } from '#lib/task-handler';

export const makeMakeOldBlueWritableHandler = (gw: Pick<Gateways, 'rds' | 'failBackDatabase'>) =>
  taskHandler(FailBackDatabaseStepInput, async ({ database, ...claim }) => {
    const instances = await readFailBackInstances(gw, claim);
    await gw.failBackDatabase.makeWritable(targetOn(database, instances.oldBlue, 'old blue'));
    return { writable: true, oldBlueId: instances.oldBlue!.id };
  });

export const handler = makeMakeOldBlueWritableHandler({
  rds: rdsGateway(),
  failBackDatabase: failBackDatabaseGateway(),
});
