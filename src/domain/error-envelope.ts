/**
 * One readable cause from whatever Step Functions put in an error's `Cause`. A Lambda that throws
 * reaches the state machine as `{"errorType","errorMessage","trace":[…]}` serialized into `Cause`
 * (Lambda's error envelope); Fail states and Pass states put plain text there. People get the
 * type and the message, never the stack trace.
 */

export interface ReadableError {
  error: string;
  cause: string;
}

const MAX_CAUSE_CHARS = 2000;

const envelopeOf = (cause: string): { errorType?: unknown; errorMessage?: unknown } | undefined => {
  const trimmed = cause.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(trimmed) as unknown;
    return parsed && typeof parsed === 'object' && ('errorMessage' in parsed || 'errorType' in parsed)
      ? (parsed as { errorType?: unknown; errorMessage?: unknown })
      : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The cause with its lines kept (a refusal lists one problem a line): the envelope's message, its trace
 * dropped, else the text as given; undefined when there is no text cause.
 */
export const causeMessage = (cause: unknown): string | undefined => {
  if (typeof cause !== 'string') return undefined;
  const message = envelopeOf(cause)?.errorMessage;
  return typeof message === 'string' ? message : cause;
};

/** The cause as one line a person can read: the envelope's message (its trace dropped), else the text. */
export const readableCause = (cause: unknown): string => {
  if (cause === undefined || cause === null) return '—';
  const text = typeof cause === 'string' ? cause : JSON.stringify(cause);
  const envelope = envelopeOf(text);
  const message =
    envelope && typeof envelope.errorMessage === 'string'
      ? envelope.errorMessage
      : envelope
        ? JSON.stringify(envelope.errorMessage ?? envelope.errorType)
        : text;
  const oneLine = message.replace(/\s*\n\s*/g, ' ').trim();
  return oneLine.length > MAX_CAUSE_CHARS ? `${oneLine.slice(0, MAX_CAUSE_CHARS)}…` : oneLine;
};

/** `{Error, Cause}` as Step Functions records it (ResultPath of a Catch) → one readable pair. */
export const readableError = (value: unknown): ReadableError | undefined => {
  if (!value || typeof value !== 'object') return undefined;
  const { Error: error, Cause: cause } = value as { Error?: unknown; Cause?: unknown };
  if (error === undefined && cause === undefined) return undefined;
  return { error: typeof error === 'string' ? error : '—', cause: readableCause(cause) };
};
