/**
 * CheckReverseCatchUp: has old blue applied everything the new primary wrote? Re-reads the reverse stream
 * over sessions opened once until the verdict is not "wait" or CATCH_UP_POLL's few seconds are spent (writes
 * are blocked meanwhile; the slow case goes back to the ASL's Wait loop), nudging the stream while only
 * old blue's confirmation is missing (catchUpNudgeDue), then returns the last verdict.
 */
import {
  type Gateways,
  rdsGateway,
  reverseReplicationGateway,
  systemClock,
  systemPause,
} from '#aws/gateways';
import { CATCH_UP_POLL, catchUpNudgeDue, catchUpVerdict, nextCatchUpRead } from '#domain/fail-back';
import { CheckReverseCatchUpInput } from '#domain/fail-back-contracts';
import { reversePair } from '#lib/fail-back-instances';
import { taskHandler } from '#lib/task-handler';

export const makeCheckReverseCatchUpHandler = (gw: Pick<Gateways, 'rds' | 'reverse' | 'clock' | 'pause'>) =>
  taskHandler(CheckReverseCatchUpInput, async ({ database, deadline, ...claim }) => {
    const { instances: _instances, ...pair } = await reversePair(gw, claim, database);
    const reader = await gw.reverse.openStatusReader(pair);
    try {
      const startedAt = gw.clock();
      let reads = 0;
      let nudges = 0;
      let lastNudgeAt: Date | null = null;
      let nudgeError: string | null = null;
      for (;;) {
        const status = await reader.read();
        reads++;
        const checkedAt = gw.clock();
        const verdict = catchUpVerdict(status, deadline, checkedAt);
        if (nextCatchUpRead(verdict, startedAt, checkedAt) === null)
          return {
            verdict: verdict.verdict,
            reason: verdict.verdict === 'refuse' ? verdict.reason : null,
            state: status.state,
            lag: status.lag,
            lagUnit: status.lagUnit,
            detail: status.detail,
            checkedAt: checkedAt.toISOString(),
            reads,
            nudges,
            nudgeError,
            readForMs: checkedAt.getTime() - startedAt.getTime(),
          };
        // A nudge only speeds the check up: one that fails (a revoked function, say) is reported and
        // not tried again; the reads go on and old blue confirms on its own timers.
        let justNudged = false;
        if (nudgeError === null && catchUpNudgeDue(status, lastNudgeAt, checkedAt)) {
          try {
            await reader.nudge();
            lastNudgeAt = checkedAt;
            nudges++;
            justNudged = true;
          } catch (e) {
            nudgeError = e instanceof Error ? e.message : String(e);
          }
        }
        await gw.pause(
          nextCatchUpRead(verdict, startedAt, checkedAt, justNudged) ?? CATCH_UP_POLL.afterNudgeMs,
        );
      }
    } finally {
      await reader.close();
    }
  });

export const handler = makeCheckReverseCatchUpHandler({
  rds: rdsGateway(),
  reverse: reverseReplicationGateway(),
  clock: systemClock,
  pause: systemPause,
});
