/**
 * RenameNewPrimaryAside / RenameOldBlueToProduction / RestoreProductionName: one ModifyDBInstance
 * NewDBInstanceIdentifier (ApplyImmediately) per step, decided from where both resource ids are now
 * (a retry after an accepted rename makes no second call). Instances anywhere the fail-back did not
 * put them are refused by name: a person must look (RenameRefusedError → hold and page).
 */
import { type Gateways, rdsGateway, renameGateway, systemClock } from '#aws/gateways';
import { boundedLoopSeconds, RENAME_DEADLINE_SECONDS } from '#domain/budget';
import { RenameRefusedError } from '#domain/errors';
import { renameAction, renameProgress } from '#domain/fail-back';
import { RenameForFailBackInput } from '#domain/fail-back-contracts';
import { TAGS } from '#domain/names';
import { addSeconds } from '#domain/plan';
import { readFailBackInstances } from '#lib/fail-back-instances';
import { taskHandler } from '#lib/task-handler';

/** The role tag each step leaves: cleanup proves old blue by `old-blue`, so neither instance is ever deletable after this. */
const ROLE_AFTER = {
  'new-primary-aside': { which: 'newPrimary', role: 'failed-primary' },
  'old-blue-to-production': { which: 'oldBlue', role: 'production' },
  'undo-new-primary-aside': { which: 'newPrimary', role: 'production' },
} as const;

export const makeRenameForFailBackHandler = (gw: Pick<Gateways, 'rds' | 'renames' | 'clock'>) =>
  taskHandler(RenameForFailBackInput, async ({ failedName, step, pollSeconds, ...claim }) => {
    const instances = await readFailBackInstances(gw, claim);
    const progress = renameProgress(claim, failedName, instances.evidence);
    const action = renameAction(step, claim, failedName, progress);
    const where = (label: string, i: { id: string; status: string } | undefined, rid: string) =>
      `${label} ${rid} is ${i ? `${i.id} (${i.status})` : 'missing'}`;
    if (action.action === 'refuse')
      throw new RenameRefusedError(
        `${action.reason}: ${where('new primary', instances.newPrimary, claim.newPrimaryResourceId)}, ${where('old blue', instances.oldBlue, claim.oldBlueResourceId)}, ${claim.sourceId} is owned by ${instances.evidence.production?.resourceId ?? 'nobody'}`,
      );
    const deadline = addSeconds(gw.clock(), boundedLoopSeconds(RENAME_DEADLINE_SECONDS, pollSeconds));
    if (action.action === 'none')
      return {
        step,
        action: 'none',
        from: null,
        to: null,
        resourceId: null,
        detail: action.reason,
        deadline,
      };
    const { which, role } = ROLE_AFTER[step];
    const instance = instances[which];
    if (instance)
      await gw.rds.addTags(instance.arn, { [TAGS.role]: role, [TAGS.execution]: claim.executionId });
    await gw.renames.rename(action.from, action.to);
    return {
      step,
      action: 'rename',
      from: action.from,
      to: action.to,
      resourceId: action.resourceId,
      detail: `renamed ${action.from} to ${action.to}`,
      deadline,
    };
  });

export const handler = makeRenameForFailBackHandler({
  rds: rdsGateway(),
  renames: renameGateway(),
  clock: systemClock,
});
