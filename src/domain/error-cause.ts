/**
 * A Task's `Cause` as people should read it. When a Lambda throws, Step Functions stores Lambda's error
 * envelope as the cause: the JSON text `{"errorType","errorMessage","trace"}`; the message is what
 * matters, the stack trace is noise in an e-mail. Any other cause is already text.
 */
export const readableCause = (cause: unknown): string | undefined => {
  if (typeof cause !== 'string') return undefined;
  try {
    const parsed = JSON.parse(cause) as unknown;
    if (parsed && typeof parsed === 'object' && 'errorMessage' in parsed) {
      const { errorMessage } = parsed as { errorMessage: unknown };
      if (typeof errorMessage === 'string') return errorMessage;
    }
  } catch {
    // Not JSON: a Fail state's or a callback's plain text.
  }
  return cause;
};
