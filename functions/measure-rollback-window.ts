/**
 * MeasureRollbackWindow: what is left of the rollback window after a fail-back was refused before
 * anything changed, so the window reopens until old blue's retain-until, not for the whole retention again.
 */
import { type Gateways, systemClock } from '#aws/gateways';
import { windowSecondsLeft } from '#domain/fail-back';
import { MeasureRollbackWindowInput } from '#domain/fail-back-contracts';
import { taskHandler } from '#lib/task-handler';

export const makeMeasureRollbackWindowHandler = (gw: Pick<Gateways, 'clock'>) =>
  taskHandler(MeasureRollbackWindowInput, async ({ retainUntil }) => ({
    detail: 'nothing was changed',
    windowSeconds: windowSecondsLeft(retainUntil, gw.clock()),
  }));

export const handler = makeMeasureRollbackWindowHandler({ clock: systemClock });
