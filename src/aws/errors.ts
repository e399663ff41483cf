/** Maps SDK errors to Switchyard's named errors where the name matters to the state machine. */
import { AwsThrottledError } from '#domain/errors';

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottledException',
]);

export const errorName = (err: unknown): string => (err instanceof Error ? err.name : '');

/** Runs an SDK call; throttling that survived the SDK's retries becomes AwsThrottledError (retried in ASL). */
export const callAws = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (err) {
    if (THROTTLING.has(errorName(err))) {
      throw new AwsThrottledError(`${operation} was throttled: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  }
};

/** Runs an SDK call that may answer "not found"; that one fault becomes `undefined`, others still throw. */
export const unlessNotFound = async <T>(
  notFoundFault: string,
  call: () => Promise<T>,
): Promise<T | undefined> => {
  try {
    return await call();
  } catch (err) {
    if (errorName(err) === notFoundFault) return undefined;
    throw err;
  }
};
