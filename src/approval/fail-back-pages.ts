/**
 * The fail-back link's pages: the confirmation page a GET shows (it never acts; link scanners fetch
 * every link), the result page after the POST, one page per refusal. Pure rendering, HTML-escaped.
 */
import {
  ApprovalUnavailableError,
  ApproverNotAllowedError,
  BadApprovalRequestError,
  ExecutionMovedOnError,
  InvalidLinkSignatureError,
} from './errors.ts';
import {
  FailBackAlreadyDecidedError,
  type FailBackDecisionFacts,
  type FailBackLinkParams,
  failBackSteps,
  RollbackWindowClosedError,
  RollbackWindowNotFoundError,
  type RollbackWindowRecord,
} from './fail-back.ts';
import { escapeHtml, layout } from './pages.ts';

const steps = (r: RollbackWindowRecord): string =>
  `<ol id="steps">${failBackSteps(r.summary)
    .map((s) => `<li>${escapeHtml(s)}</li>`)
    .join('')}</ol>`;

export const renderFailBackConfirmationPage = (
  r: RollbackWindowRecord,
  link: FailBackLinkParams,
  formAction: string,
): string => {
  const hidden = (['approver', 'expires', 'sig'] as const)
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(String(link[k]))}">`)
    .join('');
  return layout(
    `Fail back ${r.summary.sourceId}?`,
    `<p>You are about to <strong>fail back</strong> ${escapeHtml(r.summary.sourceId)} to old blue
<strong>${escapeHtml(r.summary.oldBlueId)}</strong> (version ${escapeHtml(r.summary.oldEngineVersion)}) as
<strong id="approver">${escapeHtml(link.approver)}</strong>. What happens:</p>
${steps(r)}
<p class="note">This page changes nothing by itself. The link is single-use and stops working at the end of the
rollback window, <strong id="expires">${escapeHtml(r.expiresAt)}</strong>.</p>
<form method="post" action="${escapeHtml(formAction)}">${hidden}
<p><label for="reason">Why (recorded in the execution and the audit notification)</label><br>
<textarea id="reason" name="reason" maxlength="1000"></textarea></p>
<button type="submit" id="fail-back" class="reject">Fail back</button>
</form>`,
  );
};

export const renderFailBackDecisionPage = (r: RollbackWindowRecord, f: FailBackDecisionFacts): string =>
  layout(
    `Failing back ${r.summary.sourceId}`,
    `<p class="status" id="decision">Fail-back decided by ${escapeHtml(f.by)} at ${escapeHtml(f.at)}.</p>
<p>Reason: <span id="reason">${escapeHtml(f.reason)}</span></p>
<p>The pipeline now runs these steps and notifies the owners of the outcome (a fail-back that cannot be done
safely is refused and production stays as it is):</p>${steps(r)}`,
  );

const REFUSALS: Array<[new (...a: never[]) => Error, string, (e: Error) => string]> = [
  [
    InvalidLinkSignatureError,
    'This link is not valid',
    () =>
      'The link was altered or was not issued by Switchyard. Nothing happened. Use the link from your e-mail unchanged.',
  ],
  [RollbackWindowClosedError, 'The rollback window is closed', (e) => `${e.message}. Nothing happened.`],
  [
    FailBackAlreadyDecidedError,
    'Already decided',
    (e) => `${e.message}. Links are single-use; nothing more happened.`,
  ],
  [
    ExecutionMovedOnError,
    'The deployment has moved on',
    () =>
      'The pipeline is no longer in its rollback window (it ended, was stopped, or failed back already). Nothing happened.',
  ],
  [
    ApproverNotAllowedError,
    'Not an allowed approver',
    (e) => `${(e as ApproverNotAllowedError).approver} may not fail this deployment back. Nothing happened.`,
  ],
  [RollbackWindowNotFoundError, 'Unknown rollback window', (e) => e.message],
  [
    ApprovalUnavailableError,
    'Please try again',
    () => 'The decision could not be recorded right now; the window is still open, try again.',
  ],
  [BadApprovalRequestError, 'Bad request', (e) => e.message],
];

export const renderFailBackErrorPage = (error: unknown): { status: number; html: string } => {
  for (const [cls, title, text] of REFUSALS)
    if (error instanceof cls)
      return {
        status: (error as { status?: number }).status ?? 400,
        html: layout(title, `<p id="refusal">${escapeHtml(text(error))}</p>`),
      };
  return {
    status: 500,
    html: layout(
      'Something went wrong',
      '<p id="refusal">The request could not be processed. Check the deployment before trying again.</p>',
    ),
  };
};
