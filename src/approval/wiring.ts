/**
 * Builds the production dependencies of the approval functions from their configuration: the
 * module-scope SDK clients (no `endpoint`: `AWS_ENDPOINT_URL_*` redirects them locally), the SSM
 * reader and the Slack gateway. Handlers call this once, at module load.
 */
import { makeApprovalStore } from '#aws/approval-store';
import { readParameter } from '#aws/parameters';
import { makeRollbackWindowStore } from '#aws/rollback-window-store';
import { makeSlackGateway } from '#aws/slack';
import { approvalLogger } from '#lib/logger';
import type { ApprovalConfig } from './config.ts';
import { MissingEnvironmentVariableError } from './errors.ts';
import type { FailBackDeps } from './fail-back-service.ts';
import { makeNotifier } from './gateways/notifier.ts';
import { makeFailBackCallback, makeTaskCallback } from './gateways/task-callback.ts';
import { parseSigningKeys } from './links.ts';
import type { ApprovalDeps } from './service.ts';

export const buildApprovalDeps = (config: ApprovalConfig): ApprovalDeps => ({
  store: makeApprovalStore(config.tableName),
  callback: makeTaskCallback(),
  notifier: makeNotifier(config.topicArn),
  slack: makeSlackGateway({ target: config.slack, apiUrl: config.slackApiUrl, readParameter }),
  signingKeys: async () => {
    if (!config.secretParameter) throw new MissingEnvironmentVariableError('APPROVAL_SECRET_PARAMETER');
    return parseSigningKeys(await readParameter(config.secretParameter));
  },
  now: () => new Date(),
  // Powertools, like every other Lambda (the harness and the CLI inject their own sink).
  log: approvalLogger(),
  allowList: config.allowList,
});

/** The rollback window's dependencies: the same table, keys, topic, Slack and logger as approvals. */
export const buildFailBackDeps = (config: ApprovalConfig): FailBackDeps => {
  const approval = buildApprovalDeps(config);
  return {
    store: makeRollbackWindowStore(config.tableName),
    callback: makeFailBackCallback(),
    notifier: approval.notifier,
    slack: approval.slack,
    signingKeys: approval.signingKeys,
    now: approval.now,
    log: approval.log,
    allowList: approval.allowList,
  };
};
