/**
 * Client thresholds from the input (`clients.*`). Before the switch, many connections or a long
 * transaction on blue make the switch slow (RDS drops every connection and waits for transactions): the
 * last lag check holds the switch while either is over its threshold, bounded by the window (or the lag
 * deadline), then the run refuses with the reason. After the switch, sessions still on old blue are
 * writes about to fail: over `clients.maxOldBlueSessions` fails verification with the count.
 *
 * A threshold that cannot be measured (blue unreadable, a MySQL/MariaDB source: the clients query is
 * PostgreSQL's) counts as exceeded: a database owner set it to be sure, and unknown is not sure.
 */

export interface ClientThresholds {
  maxConnections: number | null;
  maxTransactionSeconds: number | null;
  maxOldBlueSessions: number | null;
}

export const NO_CLIENT_THRESHOLDS: ClientThresholds = {
  maxConnections: null,
  maxTransactionSeconds: null,
  maxOldBlueSessions: null,
};

export interface ClientHold {
  held: boolean;
  reason: string | null;
  connections: number | null;
  longestTransactionSeconds: number | null;
}

export type ClientReading = { connections: number; longestTransactionSeconds: number } | { error: string };

export const holdsBeforeSwitch = (t: ClientThresholds | null | undefined): boolean =>
  !!t && (t.maxConnections !== null || t.maxTransactionSeconds !== null);

/** Whether blue's clients hold the switch now; `reading` is null when no pre-switch threshold is set. */
export const judgeClientsBeforeSwitch = (
  t: ClientThresholds | null | undefined,
  reading: ClientReading | null,
): ClientHold => {
  const none = { connections: null, longestTransactionSeconds: null };
  if (!t || !holdsBeforeSwitch(t) || !reading) return { held: false, reason: null, ...none };
  if ('error' in reading)
    return {
      held: true,
      reason: `clients on blue cannot be read (${reading.error}); clients.* needs them`,
      ...none,
    };
  const over: string[] = [];
  if (t.maxConnections !== null && reading.connections > t.maxConnections)
    over.push(`${reading.connections} connections on blue > clients.maxConnections ${t.maxConnections}`);
  if (t.maxTransactionSeconds !== null && reading.longestTransactionSeconds > t.maxTransactionSeconds)
    over.push(
      `longest transaction on blue open ${reading.longestTransactionSeconds} s > clients.maxTransactionSeconds ${t.maxTransactionSeconds}`,
    );
  return {
    held: over.length > 0,
    reason: over.length
      ? `${over.join('; ')}: the switch waits for them (drain the connections, end the transaction)`
      : null,
    connections: reading.connections,
    longestTransactionSeconds: reading.longestTransactionSeconds,
  };
};

/** The verification problem for sessions left on old blue, or null. `sessions` null: could not count. */
export const oldBlueSessionsProblem = (
  t: ClientThresholds | null | undefined,
  sessions: number | null,
): string | null => {
  if (!t || t.maxOldBlueSessions === null) return null;
  if (sessions === null)
    return `sessions on old blue could not be counted; clients.maxOldBlueSessions ${t.maxOldBlueSessions} cannot be checked`;
  return sessions > t.maxOldBlueSessions
    ? `${sessions} client session(s) still connected to old blue > clients.maxOldBlueSessions ${t.maxOldBlueSessions}: their writes fail (old blue is read-only); repoint or restart those clients`
    : null;
};
