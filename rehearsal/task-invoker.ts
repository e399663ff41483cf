/**
 * The rehearsal's Lambda service: each Task of the state machine calls its real handler (bound by the
 * harness) the way Lambda does, with the scenario's fault hooks acting before and after, and the
 * observer recording the result.
 */
import { randomBytes } from 'node:crypto';
import type { Invoke } from '../local/run-state-machine.ts';
import type { FaultHook, HookContext } from './fault-hooks.ts';
import type { Lambda } from './harness.ts';
import type { RunObserver } from './observer.ts';
import type { LagSample } from './report.ts';

export interface TaskInvokerDeps {
  handlers: Record<string, Lambda>;
  hooks: FaultHook[];
  hookContext: HookContext;
  observer: RunObserver;
  /** a CheckLag/RecheckLag sample the observer recorded */
  onLag: (sample: LagSample) => void;
  /** RequestApproval returned: its approval e-mail is in the outbox */
  onApprovalRequested: (approvalId: string) => void;
}

export const taskInvoker =
  (d: TaskInvokerDeps): Invoke =>
  async (functionKey, payload, state) => {
    for (const hook of d.hooks) await hook.beforeTask?.(d.hookContext, functionKey, payload);
    const handler = d.handlers[functionKey];
    if (!handler) throw new Error(`no handler bound for function ${functionKey}`);
    // Lambda passes JSON both ways; so does the rehearsal.
    const event = JSON.parse(JSON.stringify(payload ?? null)) as unknown;
    const out = await handler(event, {
      functionName: `switchyard-rehearsal-${functionKey}`,
      awsRequestId: randomBytes(8).toString('hex'),
    });
    const result = out === undefined ? null : (JSON.parse(JSON.stringify(out)) as unknown);
    const sample = d.observer.onTaskResult(functionKey, state, result);
    if (sample) d.onLag(sample);
    if (functionKey === 'requestApproval')
      d.onApprovalRequested((result as { approvalId: string }).approvalId);
    for (const hook of d.hooks) await hook.afterTask?.(d.hookContext, functionKey, result);
    return result;
  };
