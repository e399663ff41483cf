/**
 * The rollback window's use cases, shared by every channel: open the window (store the token, send the
 * signed "Fail back" links and the Slack button), inspect a link (GET), and decide (POST, Slack button,
 * CLI). The same order as an approval: verify → assess → claim (single use) → SendTaskSuccess → audit.
 */

import type { RollbackWindowStore } from '#aws/rollback-window-store';
import { emailApprovers } from './decide.ts';
import { announceDecision, claimAndSend, type DecisionServiceDeps } from './decision-steps.ts';
import {
  assessFailBack,
  buildFailBackLink,
  deriveWindowId,
  FailBackAlreadyDecidedError,
  type FailBackAttempt,
  type FailBackDecisionFacts,
  type FailBackDecisionOutput,
  type FailBackLinkParams,
  newWindowRecord,
  type OpenRollbackWindowInput,
  RollbackWindowNotFoundError,
  type RollbackWindowRecord,
  verifyFailBackLink,
} from './fail-back.ts';
import {
  renderFailBackDecision,
  renderFailBackEmail,
  renderSlackFailBackDecision,
  renderSlackFailBackOffer,
} from './fail-back-messages.ts';
import { errorName } from './log.ts';

/** SendTaskSuccess for the window's token (a late one becomes ExecutionMovedOnError). */
export interface FailBackCallback {
  failBack(taskToken: string, output: FailBackDecisionOutput): Promise<void>;
}

export type FailBackDeps = DecisionServiceDeps<RollbackWindowStore, FailBackCallback>;

export type FailBackCredential =
  | { channel: 'email'; link: FailBackLinkParams }
  | { channel: 'slack'; userId: string }
  | { channel: 'cli'; operator: string };

const load = async (store: RollbackWindowStore, windowId: string): Promise<RollbackWindowRecord> => {
  const record = await store.get(windowId);
  if (!record) throw new RollbackWindowNotFoundError();
  return record;
};

const toAttempt = async (
  deps: FailBackDeps,
  record: RollbackWindowRecord,
  credential: FailBackCredential,
  ctx: { sourceIp: string; reason?: string | undefined },
): Promise<FailBackAttempt> => {
  const base = { sourceIp: ctx.sourceIp, reason: ctx.reason };
  switch (credential.channel) {
    case 'email':
      return {
        ...base,
        channel: 'email',
        identity: verifyFailBackLink(await deps.signingKeys(), record, credential.link, deps.now()),
      };
    case 'slack':
      return { ...base, channel: 'slack', identity: `slack:${credential.userId}` };
    case 'cli':
      return { ...base, channel: 'cli', identity: credential.operator };
  }
};

/** Stores the window, e-mails each approver a signed "Fail back" link and posts the Slack button. */
export const openRollbackWindow = async (
  deps: FailBackDeps & { baseUrl: string; logLinks: boolean },
  input: OpenRollbackWindowInput,
): Promise<{ windowId: string; links: string[] }> => {
  const [signingKey] = await deps.signingKeys();
  if (!signingKey) throw new Error('No signing key');
  const windowId = deriveWindowId(signingKey, input.taskToken, input.attempt);
  const record = await deps.store.create(newWindowRecord(input, windowId, deps.now()));
  await deps.store.pointExecution(record.executionArn, windowId, record.ttl);
  const expiresAt = new Date(record.expiresAt);
  const links: string[] = [];
  const emails = emailApprovers(record.approvers);
  for (const approver of emails) {
    const link = buildFailBackLink(deps.baseUrl, signingKey, { ...record, approver, expiresAt });
    links.push(link);
    const mail = renderFailBackEmail(record, approver, link);
    await deps.notifier.publish({
      subject: mail.subject,
      message: mail.text,
      kind: 'fail-back-offer',
      approver,
    });
  }
  if (emails.length === 0) {
    // Nobody gets a link: still say the window is open and how to fail back from the CLI.
    const mail = renderFailBackEmail(record, undefined, undefined);
    await deps.notifier.publish({ subject: mail.subject, message: mail.text, kind: 'fail-back-offer' });
  }
  if (deps.slack?.enabled) {
    try {
      const posted = await deps.slack.postRequest(renderSlackFailBackOffer(record));
      if (posted) await deps.store.setSlackMessage(windowId, posted);
    } catch (err) {
      // The e-mail and the CLI still work; chat is a convenience here.
      deps.log.error('slack fail-back offer failed', { windowId, error: errorName(err) });
    }
  }
  deps.log.info('rollback window opened', {
    windowId,
    executionArn: record.executionArn,
    expiresAt: record.expiresAt,
    ...(deps.logLinks ? { links } : {}),
  });
  return { windowId, links };
};

/** GET: verifies the link and says whether it could fail back now, changing nothing. */
export const inspectFailBackLink = async (
  deps: FailBackDeps,
  windowId: string,
  link: FailBackLinkParams,
  ctx: { sourceIp: string },
): Promise<RollbackWindowRecord> => {
  const record = await load(deps.store, windowId);
  const attempt = await toAttempt(deps, record, { channel: 'email', link }, ctx);
  assessFailBack(record, attempt, deps.now(), deps.allowList);
  return record;
};

/** Decides once; a refused attempt throws before the claim, so the window and the execution are untouched. */
export const decideFailBack = async (
  deps: FailBackDeps,
  windowId: string,
  credential: FailBackCredential,
  ctx: { sourceIp: string; reason?: string | undefined },
): Promise<{ record: RollbackWindowRecord; facts: FailBackDecisionFacts }> => {
  const record = await load(deps.store, windowId);
  const attempt = await toAttempt(deps, record, credential, ctx);
  const facts = assessFailBack(record, attempt, deps.now(), deps.allowList);
  await claimAndSend({
    store: deps.store,
    id: windowId,
    logId: { windowId },
    facts,
    messages: {
      movedOn: 'execution moved on before the fail-back decision',
      released: 'step functions callback failed; fail-back released',
    },
    send: (taskToken) => deps.callback.failBack(taskToken, { decision: 'fail-back', windowId, ...facts }),
    // Lost a race (or the window ended in between): re-read to say precisely why.
    onLostRace: async () => {
      assessFailBack(await load(deps.store, windowId), attempt, deps.now(), deps.allowList);
      throw new FailBackAlreadyDecidedError(undefined);
    },
    log: deps.log,
  });
  const decided: RollbackWindowRecord = { ...record, status: 'decided', decided: facts };
  delete decided.taskToken;
  deps.log.info('fail-back decided', { windowId, executionArn: record.executionArn, ...facts });
  const note = renderFailBackDecision(decided, facts);
  await announceDecision({
    notifier: deps.notifier,
    slack: deps.slack,
    log: deps.log,
    logId: { windowId },
    note: { subject: note.subject, message: note.message, kind: 'fail-back-decision' },
    slackMessage: decided.slackMessage,
    slackUpdate: () => renderSlackFailBackDecision(decided, facts),
  });
  return { record: decided, facts };
};
