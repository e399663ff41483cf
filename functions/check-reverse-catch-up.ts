/** CheckReverseCatchUp: one read of the reverse stream (old blue applying the new primary's changes) and the verdict. */
import { type Gateways, rdsGateway, reverseReplicationGateway, systemClock } from '#aws/gateways';
import { catchUpVerdict } from '#domain/fail-back';
import { CheckReverseCatchUpInput } from '#domain/fail-back-contracts';
import { reversePair } from '#lib/fail-back-instances';
import { taskHandler } from '#lib/task-handler';

export const makeCheckReverseCatchUpHandler = (gw: Pick<Gateways, 'rds' | 'reverse' | 'clock'>) =>
  taskHandler(CheckReverseCatchUpInput, async ({ database, deadline, ...claim }) => {
    const { instances: _instances, ...pair } = await reversePair(gw, claim, database);
    const status = await gw.reverse.status(pair);
    const verdict = catchUpVerdict(status, deadline, gw.clock());
    return {
      verdict: verdict.verdict,
      reason: verdict.verdict === 'refuse' ? verdict.reason : null,
      state: status.state,
      lag: status.lag,
      lagUnit: status.lagUnit,
      detail: status.detail,
      checkedAt: gw.clock().toISOString(),
    };
  });

export const handler = makeCheckReverseCatchUpHandler({
  rds: rdsGateway(),
  reverse: reverseReplicationGateway(),
  clock: systemClock,
});
