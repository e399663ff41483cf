/**
 * SSM Parameter Store reads for secrets (SecureString, decrypted), cached per container so a warm
 * Lambda does not call SSM on every request. The client is built once, with no `endpoint`, so
 * `AWS_ENDPOINT_URL_SSM` points it at the local emulator.
 */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ssmClient } from './clients.ts';

/** Cache lifetime: short enough that a rotated secret is picked up within minutes. */
export const PARAMETER_CACHE_MS = 5 * 60 * 1000;

export class ParameterNotFoundError extends Error {
  constructor(
    readonly parameter: string,
    options?: ErrorOptions,
  ) {
    super(`SSM parameter ${parameter} not found or empty`, options);
    this.name = 'ParameterNotFoundError';
  }
}

export type ParameterReader = (name: string) => Promise<string>;

/** A cached reader of decrypted parameter values; the value itself is never logged. */
export const makeParameterReader = (
  client: Pick<SSMClient, 'send'> = ssmClient(),
  cacheMs = PARAMETER_CACHE_MS,
  now: () => number = Date.now,
): ParameterReader => {
  const cache = new Map<string, { value: string; until: number }>();
  return async (name) => {
    const hit = cache.get(name);
    if (hit && hit.until > now()) return hit.value;
    let value: string | undefined;
    try {
      const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      value = out.Parameter?.Value;
    } catch (err) {
      if (err instanceof Error && err.name === 'ParameterNotFound')
        throw new ParameterNotFoundError(name, { cause: err });
      throw err;
    }
    if (!value) throw new ParameterNotFoundError(name);
    cache.set(name, { value, until: now() + cacheMs });
    return value;
  };
};

/** The module-scope reader the handlers share. */
export const readParameter: ParameterReader = makeParameterReader();
