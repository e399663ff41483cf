/**
 * StartExecution: the triggers' entry (release-tag event, maintenance-window schedule). Reads the base
 * input document from SSM, stamps the release, and starts one execution per release (idempotent name).
 */
import { createHash } from 'node:crypto';
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import { sfnClient } from '#aws/clients';
import { requireEnv } from '#aws/gateways';
import { readParameter } from '#aws/parameters';
import { PreflightRefusedError } from '#domain/errors';
import { validateExecutionInput } from '#domain/input';
import { logger } from '#lib/logger';

interface TriggerEvent {
  trigger?: 'schedule';
  source?: string;
  'detail-type'?: string;
  detail?: { tag?: string; repository?: string };
  time?: string;
}

/** Execution names are unique per state machine for 90 days: one run per release tag or schedule tick. */
export const executionNameFor = (event: TriggerEvent, now: Date): string => {
  const basis = event.detail?.tag
    ? `release:${event.detail.repository ?? ''}:${event.detail.tag}`
    : `schedule:${event.time ?? now.toISOString().slice(0, 13)}`;
  const label = (event.detail?.tag ?? 'scheduled').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  return `${label}-${createHash('sha256').update(basis).digest('hex').slice(0, 16)}`;
};

export const startExecution = async (event: TriggerEvent) => {
  const stateMachineArn = requireEnv('STATE_MACHINE_ARN');
  const base = JSON.parse(await readParameter(requireEnv('INPUT_PARAMETER'))) as Record<string, unknown>;
  const input = event.detail?.tag ? { ...base, release: event.detail.tag } : base;
  // Refuse here too, so a broken stored document is reported to the trigger, not only to the run.
  const verdict = validateExecutionInput(input);
  if (!verdict.ok) {
    logger.error('stored input is invalid: no execution started', { problems: verdict.problems });
    throw new PreflightRefusedError(
      `stored input is invalid:\n${verdict.problems.join('\n')}`,
      verdict.problems,
    );
  }
  const name = executionNameFor(event, new Date());
  try {
    const out = await sfnClient().send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    logger.info('execution started', { executionId: out.executionArn, name, release: event.detail?.tag });
    return { executionArn: out.executionArn, name, started: true };
  } catch (err) {
    if (err instanceof ExecutionAlreadyExists) {
      logger.info('execution already started for this trigger: nothing to do', { name });
      return { executionArn: null, name, started: false };
    }
    throw err;
  }
};

export const handler = middy<TriggerEvent>().handler((event) => startExecution(event));
