/**
 * Rollback windows in the approval table, through the shared token-decision store (same table, own
 * keys, same TTL attribute):
 * - `rollback-window#<windowId>`: the window, holding the task token while open;
 * - `execution-rollback-window#<executionArn>`: a pointer to the execution's latest window (for the CLI).
 * Deciding is one conditional update (open, token present, before the end → decided) that removes the
 * token and returns it, so a link, a button and a command can win only once.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FailBackDecisionFacts, RollbackWindowRecord, WindowStatus } from '#approval/fail-back';
import { dynamoDbClient } from './clients.ts';
import {
  makeTokenDecisionStore,
  type TokenDecisionCodec,
  type TokenDecisionStore,
} from './token-decision-store.ts';

/** A window has one possible decision (fail back), so its status is `decided` and its facts one JSON. */
const rollbackWindowCodec: TokenDecisionCodec<RollbackWindowRecord, FailBackDecisionFacts> = {
  recordPrefix: 'rollback-window',
  executionPrefix: 'execution-rollback-window',
  idAttribute: 'windowId',
  idOf: (r) => r.windowId,
  waitingStatus: 'open',
  decidedStatus: () => 'decided',
  encode: (r) => ({
    windowId: { S: r.windowId },
    executionArn: { S: r.executionArn },
    approvers: { S: JSON.stringify(r.approvers) },
    expiresAt: { S: r.expiresAt },
    createdAt: { S: r.createdAt },
    ttl: { N: String(r.ttl) },
    status: { S: r.status },
    summary: { S: JSON.stringify(r.summary) },
  }),
  decode: (item) => {
    const s = (name: string) => item[name]?.S;
    const record: RollbackWindowRecord = {
      windowId: s('windowId') ?? '',
      executionArn: s('executionArn') ?? '',
      approvers: JSON.parse(s('approvers') ?? '[]'),
      expiresAt: s('expiresAt') ?? '',
      createdAt: s('createdAt') ?? '',
      ttl: Number(item.ttl?.N ?? 0),
      status: (s('status') ?? 'open') as WindowStatus,
      summary: JSON.parse(s('summary') ?? '{}'),
    };
    const decided = s('decided');
    if (decided) record.decided = JSON.parse(decided);
    return record;
  },
  factWrites: (f) => ({
    set: 'decided = :facts, decidedAt = :at',
    values: { ':facts': { S: JSON.stringify(f) } },
  }),
  factAttributes: 'decided, decidedAt',
};

export type RollbackWindowStore = TokenDecisionStore<RollbackWindowRecord, FailBackDecisionFacts>;

export const makeRollbackWindowStore = (
  tableName: string,
  client: Pick<DynamoDBClient, 'send'> = dynamoDbClient(),
): RollbackWindowStore => makeTokenDecisionStore(rollbackWindowCodec, tableName, client);
