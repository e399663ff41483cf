/**
 * What people read about the rollback window: the post-switch e-mail with the signed "Fail back" link,
 * the Slack message with its button, the audit notification of the decision. Pure rendering.
 */
import { type FailBackDecisionFacts, failBackSteps, type RollbackWindowRecord } from './fail-back.ts';
import { slackEscape } from './messages.ts';

/** The Slack button's action id (functions/slack-interactions.ts routes it to the fail-back decision). */
export const FAIL_BACK_ACTION = 'fail-back';

const snsSubject = (text: string): string =>
  text
    .replace(/[^\x20-\x7e]/g, '-')
    .slice(0, 100)
    .trim();

const cliLine = (r: RollbackWindowRecord): string => `npx switchyard fail-back ${r.executionArn}`;

export const renderFailBackEmail = (
  r: RollbackWindowRecord,
  approver: string | undefined,
  link: string | undefined,
): { subject: string; text: string } => {
  const s = r.summary;
  return {
    subject: snsSubject(`Switchyard: ${s.sourceId} switched; rollback window open until ${r.expiresAt}`),
    text: [
      `Switchyard switched ${s.sourceId} to version ${s.newEngineVersion} and verified it.`,
      `Old blue ${s.oldBlueId} (version ${s.oldEngineVersion}) is kept until ${r.expiresAt}; then it is snapshotted and deleted.`,
      '',
      'If the new version must go, fail back. What happens then:',
      ...failBackSteps(s).map((step, i) => `  ${i + 1}. ${step}`),
      '',
      ...(link
        ? [
            `Fail back (${approver}): ${link}`,
            'The link opens a confirmation page; nothing happens until you press its button. It is signed for',
            'your address, single-use, and stops working when the window ends.',
          ]
        : ['No e-mail approver is named for this run: fail back from the command line.']),
      '',
      `Or, with IAM rights on the approval table and Step Functions: ${cliLine(r)}`,
    ].join('\n'),
  };
};

type Block = Record<string, unknown>;
const mrkdwn = (text: string): Block => ({ type: 'mrkdwn', text });

const header = (r: RollbackWindowRecord): Block => ({
  type: 'header',
  text: { type: 'plain_text', text: `Rollback window: ${r.summary.sourceId}`.slice(0, 150) },
});

const stepsBlock = (r: RollbackWindowRecord): Block => ({
  type: 'section',
  text: mrkdwn(
    slackEscape(
      [
        `Switched to ${r.summary.newEngineVersion}; old blue ${r.summary.oldBlueId} (${r.summary.oldEngineVersion}) kept until ${r.expiresAt}.`,
        ...failBackSteps(r.summary).map((s, i) => `${i + 1}. ${s}`),
      ].join('\n'),
    ).slice(0, 2900),
  ),
});

/** The post-switch Slack message with a "Fail back" button (and a confirmation dialog). */
export const renderSlackFailBackOffer = (r: RollbackWindowRecord): { text: string; blocks: Block[] } => ({
  text: `Switchyard: ${r.summary.sourceId} switched; fail back until ${r.expiresAt}?`,
  blocks: [
    header(r),
    stepsBlock(r),
    {
      type: 'actions',
      block_id: 'switchyard-fail-back',
      elements: [
        {
          type: 'button',
          action_id: FAIL_BACK_ACTION,
          value: r.windowId,
          style: 'danger',
          text: { type: 'plain_text', text: 'Fail back' },
          confirm: {
            title: { type: 'plain_text', text: 'Fail back?' },
            text: mrkdwn(
              `Block writes on *${slackEscape(r.summary.sourceId)}* and move the name back to *${slackEscape(r.summary.oldBlueId)}*?`,
            ),
            confirm: { type: 'plain_text', text: 'Fail back' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
      ],
    },
  ],
});

export const failBackSentence = (f: FailBackDecisionFacts): string =>
  `Fail-back decided by ${f.by} via ${f.channel} at ${f.at}: ${f.reason}`;

export const renderSlackFailBackDecision = (
  r: RollbackWindowRecord,
  f: FailBackDecisionFacts,
): { text: string; blocks: Block[] } => {
  const text = `:rewind: ${slackEscape(failBackSentence(f))}`;
  return { text, blocks: [header(r), stepsBlock(r), { type: 'section', text: mrkdwn(text) }] };
};

export const renderFailBackDecision = (
  r: RollbackWindowRecord,
  f: FailBackDecisionFacts,
): { subject: string; message: string } => ({
  subject: snsSubject(`Switchyard: fail-back of ${r.summary.sourceId} decided by ${f.by}`),
  message: JSON.stringify({
    type: 'switchyard.fail-back.decision',
    windowId: r.windowId,
    executionArn: r.executionArn,
    database: r.summary.sourceId,
    oldBlueId: r.summary.oldBlueId,
    ...f,
  }),
});
