/**
 * OpenRollbackWindow (`lambda:invoke.waitForTaskToken`, timeout = what is left of the retention): stores
 * the window with its task token under an opaque id, sends each approver a signed "Fail back" link
 * (SNS), posts the Slack button, and says how to fail back from the CLI. The wait ends by timeout
 * (→ Cleanup, as without a fail-back) or by a fail-back decision (→ the fail-back branch). Never logs the token.
 */
import middy from '@middy/core';
import { z } from 'zod';
import { readApprovalConfig } from '#approval/config';
import { ContractViolationError } from '#approval/errors';
import { failBackBaseUrl, OpenRollbackWindowInput } from '#approval/fail-back';
import { type FailBackDeps, openRollbackWindow } from '#approval/fail-back-service';
import { buildFailBackDeps } from '#approval/wiring';

const config = readApprovalConfig(process.env, { baseUrl: true, secret: true, topic: true });

export type OpenRollbackWindowDeps = FailBackDeps & { baseUrl: string; logLinks: boolean };

/** Parses the task input; the message names fields and problems, never values (the token is one). */
export const parseOpenRollbackWindowInput = (event: unknown) => {
  const parsed = OpenRollbackWindowInput.safeParse(event);
  if (!parsed.success)
    throw new ContractViolationError(`Invalid OpenRollbackWindow input: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
};

export const makeOpenRollbackWindowHandler = (deps: OpenRollbackWindowDeps) =>
  middy<unknown, { windowId: string; links: string[] }>().handler(async (event) =>
    openRollbackWindow(deps, parseOpenRollbackWindowInput(event)),
  );

export const handler = makeOpenRollbackWindowHandler({
  ...buildFailBackDeps(config),
  baseUrl: failBackBaseUrl(config.baseUrl, process.env.FAIL_BACK_BASE_URL),
  logLinks: config.logLinks,
});
