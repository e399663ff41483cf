/** The one shape every Task handler has: middy, Powertools logging, input parsed by its schema, then the work. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { logger, runLogKeys } from './logger.ts';
import { parseInput } from './parse-input.ts';

/**
 * Appends the run's ids from the raw input to every log line of this invocation (reset after it) and
 * logs how the task ended. onError only logs: the error still reaches Step Functions.
 */
const logRunKeys = (): middy.MiddlewareObj => ({
  before: function logRunKeysMiddlewareBefore(request) {
    logger.appendKeys({ ...runLogKeys(request.event) });
  },
  after: function logRunKeysMiddlewareAfter() {
    logger.info('task succeeded');
  },
  onError: function logRunKeysMiddlewareOnError(request) {
    logger.error('task failed', request.error as Error);
  },
});

export const taskHandler = <S extends z.ZodType, R>(schema: S, work: (input: z.output<S>) => Promise<R>) =>
  // No http-error-handler: Step Functions must see the thrown error to Retry or Catch it.
  // logEvent stays off: inputs carry the run's whole plan; the ids are enough to find it in the history.
  middy<z.output<S>, R>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logRunKeys())
    .use(parseInput(schema))
    .handler((input) => work(input));
