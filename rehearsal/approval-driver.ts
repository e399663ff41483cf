/**
 * The approver's side of the rehearsal: the approval e-mail is read from the emulator's SNS outbox (it
 * went through SNS like in production), and a decision is made the way a person makes it: GET the link
 * (the confirmation page), then POST the page's form (with a reason when rejecting).
 */
import type { SnsMessage } from '../emulator/index.ts';

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
