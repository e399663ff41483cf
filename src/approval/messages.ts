/**
 * What approvers read: the facts of a switchover as label/value rows, the e-mail (SNS) text, the Slack
 * Block Kit messages, and the audit notification. Pure rendering.
 */
import { engineLabel } from '#domain/engine';
import { approvalInspectionLines } from '#domain/inspection/index';
import type { ApprovalRecord, ApprovalRequest, DecisionFacts } from './contracts.ts';

export interface Fact {
  label: string;
  value: string;
}

const change = (from: string | undefined, to: string | undefined): string =>
  to === undefined || to === from ? `${from ?? 'default'} (unchanged)` : `${from ?? 'default'} → ${to}`;

const windowText = (w: ApprovalRequest['window']): string =>
  w ? `${w.days.join(', ')} ${w.start}–${w.end} ${w.timezone}` : 'none: the switchover follows the approval';

/** The facts an approver must see before deciding, in reading order. */
export const describeRequest = (r: ApprovalRecord): Fact[] => {
  const q = r.request;
  const facts: Fact[] = [
    { label: 'Database', value: q.database },
    { label: 'Blue/Green deployment', value: q.deploymentId },
    { label: 'Green instance', value: q.greenInstanceId },
    ...(q.engine ? [{ label: 'Engine', value: engineLabel(q.engine) }] : []),
    { label: 'Engine version', value: change(q.current.engineVersion, q.target.engineVersion) },
    {
      label: 'Parameter group',
      value: change(q.current.dbParameterGroupName, q.target.dbParameterGroupName),
    },
    { label: 'Instance class', value: change(q.current.dbInstanceClass, q.target.dbInstanceClass) },
    { label: 'Replication', value: q.replication },
    { label: 'Replica lag now', value: `${q.lag.value} ${q.lag.unit} (${q.lag.metric})` },
    { label: 'Switchover window', value: windowText(q.window) },
    { label: 'Migrations', value: `${q.migrations.verdict.toUpperCase()}: ${q.migrations.summary}` },
    ...(q.ddlGuard ? [{ label: 'DDL on blue', value: ddlGuardText(q.ddlGuard) }] : []),
    ...(q.inspection ? [{ label: 'Database inspection', value: q.inspection.headline }] : []),
    ...(q.clients
      ? [
          {
            label: 'Clients on blue',
            value:
              q.clients.note ??
              `${q.clients.connections} connection(s), longest transaction ${q.clients.longestTransactionSeconds} s, rds_tools ${q.clients.rdsTools ? 'installed' : "not installed (the AWS drivers' blue/green plugin needs it)"}`,
          },
        ]
      : []),
    ...(q.switchoverEstimate
      ? [
          {
            label: 'Switchover estimate (RDS, modelled)',
            value: `${q.switchoverEstimate.lowerSeconds}–${q.switchoverEstimate.upperSeconds} s, expected ${q.switchoverEstimate.expectedSeconds} s; recommended SwitchoverTimeout ${q.switchoverEstimate.recommendedTimeoutSeconds} s (configured ${q.switchoverEstimate.configuredTimeoutSeconds ?? 'default'} s)`,
          },
        ]
      : []),
    ...(q.validation ? [{ label: 'Data validation', value: q.validation.summary }] : []),
    ...(q.greenMaintenance ? [{ label: 'Green maintenance', value: q.greenMaintenance.summary }] : []),
    { label: 'Decide before', value: r.expiresAt },
    { label: 'Execution', value: r.executionArn },
  ];
  return facts;
};

/** The guard's mode and what it saw, e.g. "event-trigger, frozen: 0 DDL commands logged, schema unchanged". */
const ddlGuardText = (g: NonNullable<ApprovalRecord['request']['ddlGuard']>): string => {
  if (g.mode === 'off') return 'not guarded (no database block)';
  const seen =
    g.logged === null && g.schemaChanged === null
      ? (g.note ?? 'unknown')
      : `${g.mode === 'event-trigger' ? `${g.logged} DDL command(s) logged, ` : ''}schema ${g.schemaChanged ? 'CHANGED since green was created' : 'unchanged'}`;
  return `${g.mode}${g.freeze ? ', frozen' : ''}: ${seen}${g.warnings.length ? ` (${g.warnings.join('; ')})` : ''}`;
};
/** The inspection's findings and waivers, one line each; empty when nothing was found or waived. */
export const inspectionLines = (r: ApprovalRecord): string[] =>
  r.request.inspection ? approvalInspectionLines(r.request.inspection) : [];

/** The validation's differences and tables not compared, one line each. */
export const validationLines = (r: ApprovalRecord): string[] => r.request.validation?.lines ?? [];

/** What MaintainGreen refreshed and analyzed (slowest tables, skips), one line each. */
export const maintenanceLines = (r: ApprovalRecord): string[] => r.request.greenMaintenance?.lines ?? [];

/** SNS subjects: ASCII, no line breaks, at most 100 characters. */
const snsSubject = (text: string): string =>
  text
    .replace(/[^\x20-\x7e]/g, '-')
    .slice(0, 100)
    .trim();

/** The e-mail one approver receives: the facts, the statements, and that approver's two links. */
export const renderApprovalEmail = (
  r: ApprovalRecord,
  approver: string,
  links: { approve: string; reject: string },
): { subject: string; text: string } => {
  const q = r.request;
  const target =
    q.target.engineVersion ?? q.target.dbParameterGroupName ?? q.target.dbInstanceClass ?? 'target';
  const facts = describeRequest(r).map((f) => `  ${`${f.label}:`.padEnd(24)}${f.value}`);
  const statements = q.migrations.statements.length
    ? ['', 'Migration statements:', ...q.migrations.statements.map((s) => `  ${s}`)]
    : [];
  const inspection = inspectionLines(r);
  const findings = inspection.length
    ? ['', 'Database inspection (findings and waivers):', ...inspection.map((l) => `  - ${l}`)]
    : [];
  const validation = validationLines(r);
  const compared = validation.length
    ? ['', 'Data validation (blue vs green):', ...validation.map((l) => `  - ${l}`)]
    : [];
  const maintenance = maintenanceLines(r);
  const maintained = maintenance.length
    ? ['', 'Green maintenance (before this request):', ...maintenance.map((l) => `  - ${l}`)]
    : [];
  return {
    subject: snsSubject(`Switchyard: approve switchover of ${q.database} to ${target}?`),
    text: [
      `Switchyard asks ${approver} to approve a Blue/Green switchover.`,
      '',
      ...facts,
      ...findings,
      ...compared,
      ...maintained,
      ...statements,
      '',
      'Each link opens a confirmation page; nothing is decided until you press the button there.',
      'The links are yours alone (signed for your address), single-use, and expire at the deadline.',
      '',
      `Approve: ${links.approve}`,
      '',
      `Reject:  ${links.reject}`,
    ].join('\n'),
  };
};

type Block = Record<string, unknown>;

const mrkdwn = (text: string): Block => ({ type: 'mrkdwn', text });
/** Slack mrkdwn needs &, < and > escaped. */
export const slackEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const factBlocks = (r: ApprovalRecord): Block[] => {
  const facts = describeRequest(r);
  const blocks: Block[] = [];
  // A section holds at most 10 fields.
  for (let i = 0; i < facts.length; i += 10) {
    blocks.push({
      type: 'section',
      fields: facts.slice(i, i + 10).map((f) => mrkdwn(`*${slackEscape(f.label)}*\n${slackEscape(f.value)}`)),
    });
  }
  const statements = r.request.migrations.statements;
  if (statements.length) {
    const text = slackEscape(statements.join('\n')).slice(0, 2900);
    blocks.push({ type: 'section', text: mrkdwn(`*Migration statements*\n\`\`\`${text}\`\`\``) });
  }
  const inspection = inspectionLines(r);
  if (inspection.length) {
    const text = slackEscape(inspection.map((l) => `• ${l}`).join('\n')).slice(0, 2900);
    blocks.push({ type: 'section', text: mrkdwn(`*Database inspection*\n${text}`) });
  }
  return blocks;
};

/** Block Kit for the request, with Approve/Reject buttons (each with a confirmation dialog). */
export const renderSlackRequest = (r: ApprovalRecord): { text: string; blocks: Block[] } => {
  const text = `Switchyard: approve the switchover of ${r.request.database}?`;
  const approvers = r.approvers.map((a) => (a.startsWith('slack:') ? `<@${a.slice(6)}>` : slackEscape(a)));
  const button = (action: 'approve' | 'reject', style: 'primary' | 'danger'): Block => ({
    type: 'button',
    action_id: action,
    value: r.approvalId,
    style,
    text: { type: 'plain_text', text: action === 'approve' ? 'Approve' : 'Reject' },
    confirm: {
      title: {
        type: 'plain_text',
        text: action === 'approve' ? 'Approve switchover?' : 'Reject switchover?',
      },
      text: mrkdwn(
        `${action === 'approve' ? 'Approve' : 'Reject'} the switchover of *${slackEscape(r.request.database)}*?`,
      ),
      confirm: { type: 'plain_text', text: action === 'approve' ? 'Approve' : 'Reject' },
      deny: { type: 'plain_text', text: 'Cancel' },
    },
  });
  return {
    text,
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: `Switchover approval: ${r.request.database}`.slice(0, 150) },
      },
      ...factBlocks(r),
      { type: 'context', elements: [mrkdwn(`Approvers: ${approvers.join(', ')}`)] },
      {
        type: 'actions',
        block_id: 'switchyard-approval',
        elements: [button('approve', 'primary'), button('reject', 'danger')],
      },
    ],
  };
};

/** Human sentence for a decision. */
export const decisionSentence = (f: DecisionFacts): string =>
  `${f.decision === 'approved' ? 'Approved' : 'Rejected'} by ${f.by} via ${f.channel} at ${f.at}` +
  (f.reason ? `: ${f.reason}` : '');

/** The request message, its buttons replaced by the decision. */
export const renderSlackDecision = (
  r: ApprovalRecord,
  f: DecisionFacts,
): { text: string; blocks: Block[] } => {
  const text = `${f.decision === 'approved' ? ':white_check_mark:' : ':no_entry:'} ${slackEscape(decisionSentence(f))}`;
  return {
    text,
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: `Switchover approval: ${r.request.database}`.slice(0, 150) },
      },
      ...factBlocks(r),
      { type: 'section', text: mrkdwn(text) },
    ],
  };
};

/** The audit notification published to the topic after a decision. */
export const renderDecisionNotification = (
  r: ApprovalRecord,
  f: DecisionFacts,
): { subject: string; message: string } => ({
  subject: snsSubject(`Switchyard: switchover of ${r.request.database} ${f.decision} by ${f.by}`),
  message: JSON.stringify({
    type: 'switchyard.approval.decision',
    approvalId: r.approvalId,
    executionArn: r.executionArn,
    database: r.request.database,
    deploymentId: r.request.deploymentId,
    decision: f.decision,
    by: f.by,
    at: f.at,
    channel: f.channel,
    sourceIp: f.sourceIp,
    ...(f.reason ? { reason: f.reason } : {}),
  }),
});
