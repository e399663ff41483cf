/**
 * One-line JSON logs for the approval functions. Callers never pass the task token; as a second line
 * of defence any field named like a token, secret or signature is dropped before writing.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const SENSITIVE = /token|secret|signature|^sig$|password/i;

export const scrub = (fields: LogFields): LogFields =>
  Object.fromEntries(Object.entries(fields).filter(([k]) => !SENSITIVE.test(k)));

/** Only the error's name: SDK messages about bad tokens may quote the token. */
export const errorName = (err: unknown): string => (err instanceof Error ? err.name : typeof err);

export const makeLogger = (sink: Pick<Console, 'log' | 'warn' | 'error'> = console): Logger => {
  const write = (level: 'info' | 'warn' | 'error', message: string, fields: LogFields = {}): void => {
    const line = JSON.stringify({ level, message, ...scrub(fields) });
    if (level === 'info') sink.log(line);
    else if (level === 'warn') sink.warn(line);
    else sink.error(line);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
};
