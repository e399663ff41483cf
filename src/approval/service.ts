/**
 * The approval use cases, shared by every channel: request an approval, inspect a link (GET), and
 * decide (POST, Slack button, CLI). Ports are injected; the decision rules live in decide.ts and
 * links.ts. The task token goes from the store to Step Functions and nowhere else.
 */
import type { ApprovalStore } from '#aws/approval-store';
import type {
  ApprovalRecord,
  Decision,
  DecisionFacts,
  RequestApprovalInput,
  RequestApprovalOutput,
} from './contracts.ts';
import {
  approvalOutput,
  assertApproversAllowed,
  assessAttempt,
  type DecisionAttempt,
  emailApprovers,
  newApprovalRecord,
  rejectionCause,
} from './decide.ts';
import { announceDecision, claimAndSend, type DecisionServiceDeps } from './decision-steps.ts';
import { ApprovalAlreadyDecidedError, ApprovalNotFoundError, ContractViolationError } from './errors.ts';
import type { TaskCallback } from './gateways/task-callback.ts';
import { buildLink, deriveApprovalId, type LinkParams, verifyLink } from './links.ts';
import { errorName } from './log.ts';
import {
  renderApprovalEmail,
  renderDecisionNotification,
  renderSlackDecision,
  renderSlackRequest,
} from './messages.ts';

export type ApprovalDeps = DecisionServiceDeps<ApprovalStore, TaskCallback>;

/** Who presents what: a signed link (e-mail), a verified Slack user, or an operator at the CLI. */
export type Credential =
  | { channel: 'email'; link: LinkParams }
  | { channel: 'slack'; userId: string; decision: Decision }
  | { channel: 'cli'; operator: string; decision: Decision };

export interface DecisionContext {
  sourceIp: string;
  reason?: string | undefined;
}

const load = async (store: ApprovalStore, approvalId: string): Promise<ApprovalRecord> => {
  const record = await store.get(approvalId);
  if (!record) throw new ApprovalNotFoundError();
  return record;
};

const toAttempt = async (
  deps: ApprovalDeps,
  record: ApprovalRecord,
  credential: Credential,
  ctx: DecisionContext,
): Promise<DecisionAttempt> => {
  const base = { sourceIp: ctx.sourceIp, reason: ctx.reason };
  switch (credential.channel) {
    case 'email': {
      const { decision, approver } = verifyLink(
        await deps.signingKeys(),
        record,
        credential.link,
        deps.now(),
      );
      return { ...base, decision, channel: 'email', identity: approver };
    }
    case 'slack':
      return {
        ...base,
        decision: credential.decision,
        channel: 'slack',
        identity: `slack:${credential.userId}`,
      };
    case 'cli':
      return { ...base, decision: credential.decision, channel: 'cli', identity: credential.operator };
  }
};

/** Stores the record, sends one e-mail per e-mail approver and the Slack message; returns the links. */
export const requestApproval = async (
  deps: ApprovalDeps & { baseUrl: string; logLinks: boolean },
  input: RequestApprovalInput,
): Promise<RequestApprovalOutput> => {
  assertApproversAllowed(input.approvers, deps.allowList);
  if (emailApprovers(input.approvers).length === 0 && !deps.slack?.enabled) {
    // Nobody would be asked: fail now (the state compensates) rather than wait for the timeout.
    throw new ContractViolationError('Every approver is a Slack user, but Slack is not configured');
  }
  const [signingKey] = await deps.signingKeys();
  if (!signingKey) throw new Error('No signing key');
  const approvalId = deriveApprovalId(signingKey, input.taskToken);
  // A retried invocation (same token) finds its record and re-sends: idempotent, and nobody is left unasked.
  const record = await deps.store.create(newApprovalRecord(input, approvalId, deps.now()));
  await deps.store.pointExecution(record.executionArn, approvalId, record.ttl);

  const expiresAt = new Date(record.expiresAt);
  const emails = emailApprovers(record.approvers);
  const links = { approve: [] as string[], reject: [] as string[] };
  for (const approver of emails) {
    const pair = {
      approve: buildLink(deps.baseUrl, signingKey, { ...record, decision: 'approved', approver, expiresAt }),
      reject: buildLink(deps.baseUrl, signingKey, { ...record, decision: 'rejected', approver, expiresAt }),
    };
    links.approve.push(pair.approve);
    links.reject.push(pair.reject);
    const email = renderApprovalEmail(record, approver, pair);
    await deps.notifier.publish({
      subject: email.subject,
      message: email.text,
      kind: 'approval-request',
      approver,
    });
  }

  if (deps.slack?.enabled) {
    try {
      const posted = await deps.slack.postRequest(renderSlackRequest(record));
      if (posted) await deps.store.setSlackMessage(approvalId, posted);
    } catch (err) {
      // Chat is a convenience when e-mail went out; with no e-mail approver it is the only way to ask.
      if (emails.length === 0) throw err;
      deps.log.error('slack request message failed', { approvalId, error: errorName(err) });
    }
  }

  deps.log.info('approval requested', {
    approvalId,
    executionArn: record.executionArn,
    approvers: record.approvers,
    expiresAt: record.expiresAt,
    ...(deps.logLinks ? { links } : {}),
  });
  return { approvalId, links };
};

/** GET: verifies the link and says whether it could decide now, changing nothing. */
export const inspectLink = async (
  deps: ApprovalDeps,
  approvalId: string,
  link: LinkParams,
  ctx: DecisionContext,
): Promise<ApprovalRecord> => {
  const record = await load(deps.store, approvalId);
  const attempt = await toAttempt(deps, record, { channel: 'email', link }, ctx);
  assessAttempt(record, attempt, deps.now(), deps.allowList);
  return record;
};

/**
 * Decides once: verify → assess → claim (conditional update; returns the token) → SendTask* →
 * audit. A refused attempt throws before the claim, so the record and the execution are untouched.
 */
export const decide = async (
  deps: ApprovalDeps,
  approvalId: string,
  credential: Credential,
  ctx: DecisionContext,
): Promise<{ record: ApprovalRecord; facts: DecisionFacts }> => {
  const record = await load(deps.store, approvalId);
  const attempt = await toAttempt(deps, record, credential, ctx);
  const facts = assessAttempt(record, attempt, deps.now(), deps.allowList);

  await claimAndSend({
    store: deps.store,
    id: approvalId,
    logId: { approvalId },
    facts,
    messages: {
      movedOn: 'execution moved on before the decision',
      released: 'step functions callback failed; approval released',
    },
    send: (taskToken) =>
      facts.decision === 'approved'
        ? deps.callback.approve(taskToken, approvalOutput(approvalId, facts))
        : deps.callback.reject(taskToken, rejectionCause(approvalId, facts)),
    // Lost a race (or the deadline passed in between): re-read to say precisely why.
    onLostRace: async () => {
      assessAttempt(await load(deps.store, approvalId), attempt, deps.now(), deps.allowList);
      throw new ApprovalAlreadyDecidedError(undefined);
    },
    log: deps.log,
  });

  const decided: ApprovalRecord = { ...record, status: facts.decision, decided: facts };
  delete decided.taskToken;
  deps.log.info('approval decided', { approvalId, executionArn: record.executionArn, ...facts });
  const note = renderDecisionNotification(decided, facts);
  await announceDecision({
    notifier: deps.notifier,
    slack: deps.slack,
    log: deps.log,
    logId: { approvalId },
    note: { subject: note.subject, message: note.message, kind: 'approval-decision' },
    slackMessage: decided.slackMessage,
    slackUpdate: () => renderSlackDecision(decided, facts),
  });
  return { record: decided, facts };
};
