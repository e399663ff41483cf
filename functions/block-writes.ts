/**
 * BlockWritesOnNewPrimary: the first step of a fail-back. Proves both instances are this run's (by
 * resource id, name and tags), picks the `-failedN` name, then blocks writes on the new primary so
 * that old blue can catch up with a stream that no longer moves. A refusal changes nothing.
 */
import { failBackDatabaseGateway, type Gateways, rdsGateway, systemClock, systemPause } from '#aws/gateways';
import { FailBackRefusedError } from '#domain/errors';
import { failBackEngineRefusal, nextFailedName, proveFailBackPair } from '#domain/fail-back';
import { BlockWritesInput } from '#domain/fail-back-contracts';
import { addSeconds } from '#domain/plan';
import { readFailBackInstances, targetOn } from '#lib/fail-back-instances';
import { blockWritesByGroup, isMysqlFamily } from '#lib/fail-back-writes';
import { taskHandler } from '#lib/task-handler';

export const makeBlockWritesHandler = (gw: Pick<Gateways, 'rds' | 'failBackDatabase' | 'clock' | 'pause'>) =>
  taskHandler(BlockWritesInput, async ({ database, catchUpDeadlineSeconds, ...claim }) => {
    const unsupported = failBackEngineRefusal(database?.engine);
    if (unsupported) throw new FailBackRefusedError(unsupported);
    const instances = await readFailBackInstances(gw, claim);
    const proof = proveFailBackPair(claim, instances.evidence);
    if (proof.verdict === 'refuse')
      throw new FailBackRefusedError(`not this run's proven instances: ${proof.reasons.join('; ')}`);
    let failedName: string;
    try {
      failedName = nextFailedName(
        claim.sourceId,
        (await gw.rds.listInstances()).map((i) => i.id),
      );
    } catch (err) {
      throw new FailBackRefusedError((err as Error).message, { cause: err });
    }
    const newPrimary = targetOn(database, instances.newPrimary, 'new primary');
    // Old blue must be reachable too, before anything changes.
    targetOn(database, instances.oldBlue, 'old blue');
    const blocked = isMysqlFamily(database?.engine)
      ? await blockWritesByGroup(gw, instances.newPrimary!, instances.oldBlue!, newPrimary)
      : await gw.failBackDatabase.blockWrites(newPrimary);
    const now = gw.clock();
    return {
      failedName,
      newPrimaryId: instances.newPrimary!.id,
      blockedAt: now.toISOString(),
      catchUpDeadline: addSeconds(now, catchUpDeadlineSeconds),
      terminatedSessions: blocked.terminatedSessions,
      detail: blocked.detail,
    };
  });

export const handler = makeBlockWritesHandler({
  rds: rdsGateway(),
  failBackDatabase: failBackDatabaseGateway(),
  clock: systemClock,
  pause: systemPause,
});
