/** The one shape every Task handler has: middy, input parsed by its schema, then the work. */
import middy from '@middy/core';
import type { z } from 'zod';
import { parseInput } from './parse-input.ts';

export const taskHandler = <S extends z.ZodType, R>(schema: S, work: (input: z.output<S>) => Promise<R>) =>
  // No http-error-handler: Step Functions must see the thrown error to Retry or Catch it.
  middy<z.output<S>, R>()
    .use(parseInput(schema))
    .handler((input) => work(input));
