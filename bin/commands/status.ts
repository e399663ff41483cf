/**
 * `switchyard status <executionArn>`: the execution's status, why it ended, and its audit report. Step
 * Functions returns `output` only for SUCCEEDED runs, so for any other run the report is the input of the
 * last state entered, read from the execution history (GetExecutionHistory).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { makeSfnReader, type SfnReader } from '#aws/sfn-gateway';
import { readableCause } from '#domain/error-envelope';

export interface StatusView {
  text: string;
  exitCode: number;
}

const pretty = (json: string): string => {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
};

export const statusView = async (reader: SfnReader, executionArn: string): Promise<StatusView> => {
  const execution = await reader.describeExecution(executionArn);
  if (!execution)
    return { text: `no execution ${executionArn} (wrong ARN, or its history has expired)`, exitCode: 2 };
  const name = executionArn.slice(executionArn.lastIndexOf(':') + 1);
  const lines = [
    `${name}: ${execution.status} (started ${execution.startDate ?? '—'}${execution.stopDate ? `, stopped ${execution.stopDate}` : ''})`,
  ];
  if (execution.error || execution.cause) {
    lines.push(`error: ${execution.error ?? '—'}`, `cause: ${readableCause(execution.cause)}`);
  }
  if (execution.output) {
    lines.push('report:', pretty(execution.output));
  } else {
    const trail = await reader.trail(executionArn);
    const last = trail.statesEntered.at(-1) ?? '—';
    lines.push(`last state: ${last} (${trail.statesEntered.length} states entered)`);
    if (trail.lastStateInput)
      lines.push(`report (from the execution history, as of ${last}):`, pretty(trail.lastStateInput));
  }
  const ended = ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(execution.status);
  return { text: lines.join('\n'), exitCode: ended ? 1 : 0 };
};

export const run = async (argv: string[]): Promise<number> => {
  const [executionArn] = argv;
  if (!executionArn) {
    console.error('usage: switchyard status <executionArn>');
    return 2;
  }
  const view = await statusView(makeSfnReader(new SFNClient({})), executionArn);
  console.log(view.text);
  return view.exitCode;
};
