/** The contract-phase precondition: no rollback window may be open for the database. */

export type OpenWindow = { instanceId: string; retainUntil: string };
export type ContractWindowDecision = { allowed: boolean; until?: string; message: string };

/**
 * Contract migrations are refused while an old blue is still retained (the rollback window of a
 * previous run); the message says until when.
 */
export const contractWindowDecision = (openWindows: OpenWindow[], now: Date): ContractWindowDecision => {
  const open = openWindows
    .map((w) => ({ ...w, at: Date.parse(w.retainUntil) }))
    .filter((w) => Number.isNaN(w.at) || w.at > now.getTime())
    .sort((a, b) => (Number.isNaN(b.at) ? 1 : Number.isNaN(a.at) ? -1 : b.at - a.at));
  const last = open[0];
  if (!last) return { allowed: true, message: 'No rollback window is open: contract migrations may run.' };
  if (Number.isNaN(last.at)) {
    return {
      allowed: false,
      message: `Contract migrations refused: old blue ${last.instanceId} is retained with an unreadable retainUntil '${last.retainUntil}', so the rollback window cannot be proved closed.`,
    };
  }
  const until = new Date(last.at).toISOString();
  const others =
    open.length > 1
      ? ` (${open.length} old blues retained: ${open.map((w) => w.instanceId).join(', ')})`
      : '';
  return {
    allowed: false,
    until,
    message: `Contract migrations refused: the rollback window is open until ${until} because old blue ${last.instanceId} is retained${others}. Ship only expand migrations, or run the contract release after ${until}.`,
  };
};
