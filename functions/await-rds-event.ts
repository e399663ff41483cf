/**
 * AwaitRdsEvent: the Lambda behind an event wait (`lambda:invoke.waitForTaskToken`). Stores the task
 * token under the execution for the relay; wakes the wait itself when the event already came. Step
 * Functions ignores its return value (the callback ends the Task, or the Task's TimeoutSeconds does).
 */
import { AwaitRdsEventInput } from '#domain/event-wait-contracts';
import { armWait, defaultEventWaitDeps, type EventWaitDeps } from '#lib/rds-event-relay';
import { taskHandler } from '#lib/task-handler';

export const makeAwaitRdsEventHandler = (deps: EventWaitDeps) =>
  taskHandler(AwaitRdsEventInput, async ({ taskToken, executionId, deploymentId, wait, since }) =>
    armWait(deps, { executionArn: executionId, deploymentId, wait, taskToken, since }),
  );

export const handler = makeAwaitRdsEventHandler(defaultEventWaitDeps());
