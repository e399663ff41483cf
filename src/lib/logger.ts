/**
 * The one Powertools Logger of a Lambda (JSON lines to CloudWatch Logs). The task-handler wrapper adds
 * the invocation's context and appends the run's ids from each input, so every line says which
 * execution, deployment and source it is about; the RDS gateway logs each mutating call through it.
 * Level from POWERTOOLS_LOG_LEVEL (default INFO); tests and the rehearsal set it lower.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { type Logger as ApprovalLogger, type LogFields, scrub } from '#approval/log';
import { valueAt } from '#domain/value-at';

export const logger = new Logger({ serviceName: 'switchyard' });

/** The ids a Task input carries, wherever its contract puts them. */
export interface RunLogKeys {
  executionId?: string;
  deploymentId?: string;
  sourceId?: string;
}

const firstString = (input: unknown, paths: string[][]): string | undefined => {
  for (const path of paths) {
    const value = valueAt(input, path);
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
};

/** The execution, deployment and source ids found in a Task input (absent ones left out). */
export const runLogKeys = (input: unknown): RunLogKeys => {
  const keys: RunLogKeys = {
    executionId: firstString(input, [['executionId'], ['plan', 'executionId']]),
    deploymentId: firstString(input, [['deploymentId'], ['deploymentName'], ['plan', 'deploymentName']]),
    sourceId: firstString(input, [
      ['sourceId'],
      ['plan', 'sourceId'],
      ['input', 'source', 'dbInstanceIdentifier'],
      ['summary', 'preflight', 'plan', 'sourceId'],
    ]),
  };
  return Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined)) as RunLogKeys;
};

/**
 * The approval functions log through the same Powertools Logger (one JSON line format across every
 * Lambda); token-, secret- and signature-named fields are still dropped before a line is written.
 */
export const approvalLogger = (): ApprovalLogger => ({
  info: (message: string, fields: LogFields = {}) => logger.info(message, scrub(fields)),
  warn: (message: string, fields: LogFields = {}) => logger.warn(message, scrub(fields)),
  error: (message: string, fields: LogFields = {}) => logger.error(message, scrub(fields)),
});
