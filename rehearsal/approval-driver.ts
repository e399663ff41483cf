/**
 * The approver's side of the rehearsal: the approval e-mail is read from the emulator's SNS outbox (it
 * went through SNS like in production), and a decision is made the way a person makes it: GET the link
 * (the confirmation page), then POST the page's form (with a reason when rejecting).
 */
import type { SnsMessage } from '../emulator/index.ts';
import type { ApprovalAction } from './scenarios.ts';

export interface ApprovalLinks {
  approve: string;
  reject: string;
  /** The SNS message they came from. */
  messageId: string;
  subject?: string;
}

/** Finds the approval e-mail for `approvalId` in the outbox and extracts its links. */
export const linksFromOutbox = (outbox: SnsMessage[], approvalId: string): ApprovalLinks | undefined => {
  for (const m of [...outbox].reverse()) {
    if (!m.message.includes(`/${approvalId}?`)) continue;
    const approve = /^Approve:\s+(\S+)/m.exec(m.message)?.[1];
    const reject = /^Reject:\s+(\S+)/m.exec(m.message)?.[1];
    if (approve && reject)
      return { approve, reject, messageId: m.messageId, ...(m.subject ? { subject: m.subject } : {}) };
  }
  return undefined;
};

const decodeHtml = (s: string): string =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The confirmation page's form: its action and hidden fields. */
export const readConfirmationForm = (html: string): { action: string; fields: Record<string, string> } => {
  const action = /<form[^>]*\saction="([^"]+)"/i.exec(html)?.[1];
  if (!action) throw new Error('the confirmation page has no form');
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
    const name = /\sname="([^"]+)"/.exec(m[0])?.[1];
    const value = /\svalue="([^"]*)"/.exec(m[0])?.[1];
    if (name) fields[decodeHtml(name)] = decodeHtml(value ?? '');
  }
  return { action: decodeHtml(action), fields };
};

export interface ClickResult {
  status: number;
  /** The page's title, e.g. "Approved". */
  title: string;
}

/** Opens a link and confirms on its page, like a person in a browser. */
export const clickLink = async (link: string, reason?: string): Promise<ClickResult> => {
  const page = await fetch(link, { headers: { accept: 'text/html' } });
  const html = await page.text();
  if (page.status !== 200)
    throw new Error(`the approval link answered ${page.status}: ${/<title>([^<]*)</.exec(html)?.[1] ?? ''}`);
  const form = readConfirmationForm(html);
  const body = new URLSearchParams({ ...form.fields, ...(reason ? { reason } : {}) });
  const res = await fetch(new URL(form.action, link), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(link).origin },
    body: body.toString(),
  });
  const out = await res.text();
  return { status: res.status, title: /<title>([^<]*)</.exec(out)?.[1] ?? '' };
};

export type ApprovalEvent =
  | { type: 'approval-links'; links: ApprovalLinks; action: ApprovalAction; at: number }
  | { type: 'approval-clicked'; decision: 'approve' | 'reject'; status: number; title: string; at: number };

/** The approval e-mail's links for `approvalId`; the e-mail must have gone through SNS. */
export const approvalLinks = (outbox: SnsMessage[], approvalId: string): ApprovalLinks => {
  const links = linksFromOutbox(outbox, approvalId);
  if (!links) throw new Error(`the approval e-mail for ${approvalId} is not in the SNS outbox`);
  return links;
};

/** The scenario approves only with --auto-approve; otherwise a person opens the printed link. */
export const approverAction = (
  scenario: Exclude<ApprovalAction, 'human'>,
  autoApprove: boolean,
): ApprovalAction => (scenario === 'approve' && !autoApprove ? 'human' : scenario);

const REJECT_REASON = 'Rehearsal: the approval-rejected scenario rejects this switch.';

/**
 * Announces the links, then opens the one the action names as a person would (on the next tick, so the
 * RequestApproval Task returns first and the execution waits for the decision). A failed click is
 * handed to `onClickError` (the judge's "approval link" check), never thrown into the run.
 */
export const actAsApprover = (
  links: ApprovalLinks,
  action: ApprovalAction,
  emit: (event: ApprovalEvent) => void,
  onClickError: (message: string) => void,
): void => {
  emit({ type: 'approval-links', links, action, at: Date.now() });
  if (action !== 'approve' && action !== 'reject') return;
  const decision = action;
  setImmediate(
    () =>
      void clickLink(
        decision === 'approve' ? links.approve : links.reject,
        decision === 'reject' ? REJECT_REASON : undefined,
      )
        .then((r) =>
          emit({ type: 'approval-clicked', decision, status: r.status, title: r.title, at: Date.now() }),
        )
        .catch((err: unknown) => onClickError((err as Error).message)),
  );
};
