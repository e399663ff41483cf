/** RecordHookAttempt: judge one attempt of a hook (passed, retry, go on with a warning, or abort) and record it. */

import { type Gateways, systemClock } from '#aws/gateways';
import { judgeHookAttempt, type PlannedHook, RecordHookAttemptInput } from '#domain/hooks';
import { taskHandler } from '#lib/task-handler';

export const makeRecordHookAttemptHandler = (gw: Pick<Gateways, 'clock'>) =>
  taskHandler(RecordHookAttemptInput, async ({ hook, startedAt, previousAttempts, attempt }) => {
    const durationMs = Math.max(0, gw.clock().getTime() - Date.parse(startedAt));
    return judgeHookAttempt(hook as PlannedHook, attempt, previousAttempts, durationMs);
  });

export const handler = makeRecordHookAttemptHandler({ clock: systemClock });
