/**
 * RequestApproval (`lambda:invoke.waitForTaskToken`): stores the approval with its task token under an
 * opaque id, e-mails each approver their signed links (SNS) and posts the Slack message. Returns the
 * links (Step Functions ignores the result; the local rehearsal prints it). Never logs the token.
 */
import middy from '@middy/core';
import { z } from 'zod';
import { readApprovalConfig } from '#approval/config';
import {
  type RequestApprovalInput,
  type RequestApprovalOutput,
  RequestApprovalTaskInput,
} from '#approval/contracts';
import { ContractViolationError } from '#approval/errors';
import { type ApprovalDeps, requestApproval } from '#approval/service';
import { buildApprovalDeps } from '#approval/wiring';
import { resolveStatements } from '#domain/sql-refs';

const config = readApprovalConfig(process.env, { baseUrl: true, secret: true, topic: true });

export type RequestApprovalDeps = ApprovalDeps & { baseUrl: string; logLinks: boolean };

/**
 * Parses the task input; the message names fields and problems, never values (the token is one). The
 * migration statements arrive as references and are read from the input document, hash-checked.
 */
export const parseRequestApprovalInput = (event: unknown): RequestApprovalInput => {
  const parsed = RequestApprovalTaskInput.safeParse(event);
  if (!parsed.success)
    throw new ContractViolationError(`Invalid RequestApproval input: ${z.prettifyError(parsed.error)}`);
  const { document, request, ...rest } = parsed.data;
  let statements: string[];
  try {
    statements = resolveStatements(request.migrations.statements, document);
  } catch (err) {
    throw new ContractViolationError(`Invalid RequestApproval input: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { ...rest, request: { ...request, migrations: { ...request.migrations, statements } } };
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
