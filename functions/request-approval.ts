/**
 * RequestApproval (`lambda:invoke.waitForTaskToken`): stores the approval with its task token under an
 * opaque id, e-mails each approver their signed links (SNS) and posts the Slack message. Returns the
 * links (Step Functions ignores the result; the local rehearsal prints it). Never logs the token.
 */
import middy from '@middy/core';
import { z } from 'zod';
import { readApprovalConfig } from '#approval/config';
import { RequestApprovalInput, type RequestApprovalOutput } from '#approval/contracts';
import { ContractViolationError } from '#approval/errors';
import { type ApprovalDeps, requestApproval } from '#approval/service';
import { buildApprovalDeps } from '#approval/wiring';

const config = readApprovalConfig(process.env, { baseUrl: true, secret: true, topic: true });

export type RequestApprovalDeps = ApprovalDeps & { baseUrl: string; logLinks: boolean };

/** Parses the task input; the message names fields and problems, never values (the token is one). */
export const parseRequestApprovalInput = (event: unknown): RequestApprovalInput => {
  const parsed = RequestApprovalInput.safeParse(event);
  if (!parsed.success)
    throw new ContractViolationError(`Invalid RequestApproval input: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
};

export const makeRequestApprovalHandler = (deps: RequestApprovalDeps) =>
  middy<unknown, RequestApprovalOutput>().handler(async (event) =>
    requestApproval(deps, parseRequestApprovalInput(event)),
  );

export const handler = makeRequestApprovalHandler({
  ...buildApprovalDeps(config),
  baseUrl: config.baseUrl,
  logLinks: config.logLinks,
});
