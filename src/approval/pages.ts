/**
 * The HTML pages of the e-mail flow: the confirmation page a GET shows (it never decides), the result
 * page after the POST, and one page per refusal. Pure rendering; every value is HTML-escaped.
 */
import type { ApprovalRecord, DecisionFacts } from './contracts.ts';
import {
  ApprovalAlreadyDecidedError,
  type ApprovalError,
  ApprovalExpiredError,
  ApprovalNotFoundError,
  ApprovalUnavailableError,
  ApproverNotAllowedError,
  BadApprovalRequestError,
  ExecutionMovedOnError,
  InvalidLinkSignatureError,
} from './errors.ts';
import type { LinkParams } from './links.ts';
import {
  describeRequest,
  hookLines,
  inspectionLines,
  maintenanceLines,
  validationLines,
} from './messages.ts';

export const escapeHtml = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const STYLE = `body{font:16px/1.45 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem}table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid #ddd}th{width:13rem;font-weight:600}
pre{background:#f4f4f4;padding:.75rem;overflow:auto}textarea{width:100%;min-height:5rem}
button{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:4px;color:#fff;cursor:pointer}
.approve{background:#1a7f37}.reject{background:#b42318}.note{color:#555}.status{font-weight:600}`;

export const layout = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;

const factsTable = (r: ApprovalRecord): string => {
  const rows = describeRequest(r)
    .map((f) => `<tr><th scope="row">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`)
    .join('');
  const statements = r.request.migrations.statements;
  const sql = statements.length
    ? `<h2>Migration statements</h2><pre>${escapeHtml(statements.join('\n'))}</pre>`
    : '';
  const inspection = inspectionLines(r);
  const findings = inspection.length
    ? `<h2>Database inspection</h2><ul id="inspection">${inspection.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`
    : '';
  const validation = validationLines(r);
  const compared = validation.length
    ? `<h2>Data validation</h2><ul id="validation">${validation.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`
    : '';
  const hooks = hookLines(r);
  const hookList = hooks.length
    ? `<h2>Your hooks</h2><ul id="hooks">${hooks.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`
    : '';
  const maintenance = maintenanceLines(r);
  const maintained = maintenance.length
    ? `<h2>Green maintenance</h2><ul id="green-maintenance">${maintenance.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`
    : '';
  return `<table id="facts">${rows}</table>${findings}${compared}${maintained}${hookList}${sql}`;
};

/** GET: what is being decided, by whom, until when; a form that POSTs the signed parameters back. */
export const renderConfirmationPage = (r: ApprovalRecord, link: LinkParams, formAction: string): string => {
  const approve = link.decision === 'approve';
  const verb = approve ? 'Approve' : 'Reject';
  const hidden = (['decision', 'approver', 'expires', 'sig'] as const)
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(String(link[k]))}">`)
    .join('');
  const reason = approve
    ? ''
    : `<p><label for="reason">Reason (recorded in the execution and the audit notification)</label><br>
<textarea id="reason" name="reason" required maxlength="1000"></textarea></p>`;
  return layout(
    `${verb} the switchover of ${r.request.database}?`,
    `<p>You are about to <strong>${verb.toLowerCase()}</strong> this Blue/Green switchover as
<strong id="approver">${escapeHtml(link.approver)}</strong>.</p>
${factsTable(r)}
<p class="note">This page decides nothing by itself. The link is single-use and expires at
<strong id="expires">${escapeHtml(r.expiresAt)}</strong>.</p>
<form method="post" action="${escapeHtml(formAction)}">${hidden}${reason}
<button type="submit" id="${approve ? 'approve' : 'reject'}" class="${approve ? 'approve' : 'reject'}">${verb} switchover</button>
</form>`,
  );
};

/** POST succeeded: the decision as recorded. */
export const renderDecisionPage = (r: ApprovalRecord, f: DecisionFacts): string =>
  layout(
    `Switchover of ${r.request.database} ${f.decision}`,
    `<p class="status" id="decision">${f.decision === 'approved' ? 'Approved' : 'Rejected'} by ${escapeHtml(f.by)} at ${escapeHtml(f.at)}.</p>
${f.reason ? `<p>Reason: <span id="reason">${escapeHtml(f.reason)}</span></p>` : ''}
<p>${
      f.decision === 'approved'
        ? 'The pipeline continues: it waits for the switchover window and re-checks lag and guardrails before switching.'
        : 'The pipeline stops and removes the green environment; the current database is untouched.'
    }</p>${factsTable(r)}`,
  );

const REFUSALS: Array<[new (...a: never[]) => ApprovalError, string, (e: ApprovalError) => string]> = [
  [
    InvalidLinkSignatureError,
    'This link is not valid',
    () =>
      'The link was altered or was not issued by Switchyard. Nothing was decided. Use the link from your e-mail unchanged.',
  ],
  [
    ApprovalExpiredError,
    'This link has expired',
    (e) =>
      `The decision deadline (${(e as ApprovalExpiredError).expiresAt}) has passed. Nothing was decided; the pipeline treats a missing decision as a rejection.`,
  ],
  [
    ApprovalAlreadyDecidedError,
    'Already decided',
    (e) => `${e.message}. Links are single-use; nothing more was decided.`,
  ],
  [
    ExecutionMovedOnError,
    'The deployment has moved on',
    () =>
      'The pipeline is no longer waiting for this approval (it timed out, was stopped, or was decided elsewhere). Nothing was decided.',
  ],
  [
    ApproverNotAllowedError,
    'Not an allowed approver',
    (e) => `${(e as ApproverNotAllowedError).approver} may not decide this switchover. Nothing was decided.`,
  ],
  [
    ApprovalNotFoundError,
    'Unknown approval',
    () => 'There is no pending approval for this link. It may have expired and been removed.',
  ],
  [ApprovalUnavailableError, 'Please try again', (e) => e.message],
  [BadApprovalRequestError, 'Bad request', (e) => e.message],
];

/** The refusal page for an approval error; anything else gets a generic page with no details. */
export const renderErrorPage = (error: unknown): { status: number; html: string } => {
  for (const [cls, title, text] of REFUSALS) {
    if (error instanceof cls) {
      return { status: error.status, html: layout(title, `<p id="refusal">${escapeHtml(text(error))}</p>`) };
    }
  }
  return {
    status: 500,
    html: layout(
      'Something went wrong',
      '<p id="refusal">The request could not be processed. Check the deployment before trying again.</p>',
    ),
  };
};
