/** CheckWindow: inside the maintenance window, or when the next one opens. */

import { type Gateways, systemClock } from '#aws/gateways';
import { CheckWindowInput } from '#domain/contracts';
import { addSeconds } from '#domain/plan';
import { decideWindow } from '#domain/window';
import { taskHandler } from '#lib/task-handler';

export const makeCheckWindowHandler = (gw: Pick<Gateways, 'clock'>) =>
  taskHandler(CheckWindowInput, async ({ window, lagDeadlineMinutes }) => {
    const now = gw.clock();
    const decision = window
      ? decideWindow(now, window)
      : { inWindow: true, opensAt: now.toISOString(), closesAt: addSeconds(now, lagDeadlineMinutes * 60) };
    // Re-checking lag may not run past the window's end (nor past the lag deadline without a window).
    const recheckDeadline = decision.inWindow ? decision.closesAt : null;
    return { ...decision, checkedAt: now.toISOString(), recheckDeadline };
  });

export const handler = makeCheckWindowHandler({ clock: systemClock });
