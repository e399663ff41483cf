/** Middy middleware: parse the Task input with its schema at the boundary; a mismatch is a ContractViolationError. */
import type middy from '@middy/core';
import type { z } from 'zod';
import { ContractViolationError } from '#domain/errors';

export const parseInput = <S extends z.ZodType>(schema: S): middy.MiddlewareObj<z.output<S>> => ({
  before: function parseInputMiddlewareBefore(request) {
    const parsed = schema.safeParse(request.event);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'input'}: ${i.message}`)
        .join('; ');
      throw new ContractViolationError(`Task input does not match its contract: ${problems}`);
    }
    request.event = parsed.data;
  },
});
