/**
 * The steps every token decision (an approval, a fail-back) shares once the attempt was assessed.
 *
 * claimAndSend: claim the token (one conditional update, so only one caller wins), hand it to Step Functions, and
 * end in a defined state when that fails:
 * - the claim lost a race → `onLostRace` re-reads and throws the precise refusal;
 * - the execution no longer waits (ExecutionMovedOnError) → the record is marked moved-on, error rethrown;
 * - any other callback failure → the claim is released (the decision can be retried) and
 *   ApprovalUnavailableError thrown.
 *
 * announceDecision: the audit notification and, for a bot-posted Slack message, its update. Best effort:
 * the decision stands, a failure is logged.
 */
import type { SlackGateway, SlackMessage } from '#aws/slack';
import type { TokenDecisionStore } from '#aws/token-decision-store';
import { ApprovalClaimConflictError, ApprovalUnavailableError, ExecutionMovedOnError } from './errors.ts';
import type { Notifier } from './gateways/notifier.ts';
import { errorName, type Logger } from './log.ts';

/** The ports of a token-decision service (approvals, rollback windows): its store and callback, and the rest shared. */
export interface DecisionServiceDeps<Store, Callback> {
  store: Store;
  callback: Callback;
  notifier: Notifier;
  slack?: SlackGateway | undefined;
  /** The HMAC keys (first signs, all verify), read from SSM. */
  signingKeys: () => Promise<string[]>;
  now: () => Date;
  log: Logger;
  allowList?: string[] | undefined;
}

export interface ClaimAndSend<F> {
  store: Pick<TokenDecisionStore<unknown, F>, 'claim' | 'release' | 'markMovedOn'>;
  id: string;
  /** How the id appears in log lines, e.g. `{ approvalId }`. */
  logId: Record<string, string>;
  facts: F;
  /** Log messages for the two callback failures. */
  messages: { movedOn: string; released: string };
  send(taskToken: string): Promise<void>;
  onLostRace(): Promise<never>;
  log: Logger;
}

export const claimAndSend = async <F>(step: ClaimAndSend<F>): Promise<void> => {
  const { store, id, logId, facts, log } = step;
  let taskToken: string;
  try {
    taskToken = await store.claim(id, facts);
  } catch (err) {
    if (!(err instanceof ApprovalClaimConflictError)) throw err;
    return step.onLostRace();
  }
  try {
    await step.send(taskToken);
  } catch (err) {
    if (err instanceof ExecutionMovedOnError) {
      await store.markMovedOn(id);
      log.warn(step.messages.movedOn, { ...logId, sfnError: err.sfnError });
      throw err;
    }
    log.error(step.messages.released, { ...logId, error: errorName(err) });
    await store
      .release(id, facts, taskToken)
      .catch((releaseErr: unknown) =>
        log.error('release failed', { ...logId, error: errorName(releaseErr) }),
      );
    throw new ApprovalUnavailableError({ cause: err });
  }
};

export interface AnnounceDecision {
  notifier: Notifier;
  slack?: SlackGateway | undefined;
  log: Logger;
  /** How the record's id appears in log lines, e.g. `{ windowId }`. */
  logId: Record<string, string>;
  note: { subject: string; message: string; kind: string };
  /** Where the bot posted the request, if it did. */
  slackMessage: { channel: string; ts: string } | undefined;
  /** The message that replaces it (rendered only when there is one to update). */
  slackUpdate(): SlackMessage;
}

export const announceDecision = async (step: AnnounceDecision): Promise<void> => {
  const { log, logId } = step;
  try {
    await step.notifier.publish(step.note);
  } catch (err) {
    log.error('audit notification failed', { ...logId, error: errorName(err) });
  }
  if (step.slackMessage && step.slack) {
    try {
      await step.slack.update(step.slackMessage, step.slackUpdate());
    } catch (err) {
      log.warn('slack message update failed', { ...logId, error: errorName(err) });
    }
  }
};
