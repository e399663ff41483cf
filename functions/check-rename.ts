/** CheckRename: is the instance (by resource id) available under its new name yet? One describe. */
import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { CheckRenameInput } from '#domain/fail-back-contracts';
import { taskHandler } from '#lib/task-handler';

export const makeCheckRenameHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(CheckRenameInput, async ({ resourceId, name }) => {
    const found = await gw.rds.describeInstanceByResourceId(resourceId);
    return {
      done: found?.id === name && found.status === 'available',
      currentName: found?.id ?? null,
      status: found?.status ?? 'missing',
      checkedAt: gw.clock().toISOString(),
    };
  });

export const handler = makeCheckRenameHandler({ rds: rdsGateway(), clock: systemClock });
