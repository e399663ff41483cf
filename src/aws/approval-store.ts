/**
 * Approvals in the approval table (DynamoDB, key `pk`, TTL attribute `ttl`), through the shared
 * token-decision store. Two item kinds:
 * - `approval#<approvalId>`: the record, holding the task token while pending;
 * - `execution#<executionArn>`: a pointer to the execution's latest approval (for the CLI).
 * Deciding is one conditional update (pending and not expired → decided) that removes the token and
 * returns it, so a link, a button or a command can win only once. The client is built once, with no
 * `endpoint`, so `AWS_ENDPOINT_URL_DYNAMODB` points it at the local emulator.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ApprovalRecord, ApprovalStatus, Channel, Decision, DecisionFacts } from '#approval/contracts';
import { ApprovalClaimConflictError } from '#approval/errors';
import { dynamoDbClient } from './clients.ts';
import {
  type Item,
  makeTokenDecisionStore,
  type TokenDecisionCodec,
  type TokenDecisionStore,
} from './token-decision-store.ts';

export { ApprovalClaimConflictError };

const s = (item: Item, name: string): string | undefined => item[name]?.S;

/** An approval's status is its decision once decided; its facts are flat attributes. */
const approvalCodec: TokenDecisionCodec<ApprovalRecord, DecisionFacts> = {
  recordPrefix: 'approval',
  executionPrefix: 'execution',
  idAttribute: 'approvalId',
  idOf: (r) => r.approvalId,
  waitingStatus: 'pending',
  decidedStatus: (f) => f.decision,
  encode: (r) => ({
    approvalId: { S: r.approvalId },
    executionArn: { S: r.executionArn },
    approvers: { L: r.approvers.map((a) => ({ S: a })) },
    expiresAt: { S: r.expiresAt },
    createdAt: { S: r.createdAt },
    ttl: { N: String(r.ttl) },
    status: { S: r.status },
    request: { S: JSON.stringify(r.request) },
  }),
  decode: (item) => {
    const record: ApprovalRecord = {
      approvalId: s(item, 'approvalId') ?? '',
      executionArn: s(item, 'executionArn') ?? '',
      approvers: (item.approvers?.L ?? []).map((a) => a.S ?? ''),
      expiresAt: s(item, 'expiresAt') ?? '',
      createdAt: s(item, 'createdAt') ?? '',
      ttl: Number(item.ttl?.N ?? 0),
      status: (s(item, 'status') ?? 'pending') as ApprovalStatus,
      request: JSON.parse(s(item, 'request') ?? '{}'),
    };
    const decision = s(item, 'decision');
    if (decision) {
      record.decided = {
        decision: decision as Decision,
        by: s(item, 'decidedBy') ?? '',
        at: s(item, 'decidedAt') ?? '',
        channel: (s(item, 'channel') ?? 'email') as Channel,
        sourceIp: s(item, 'sourceIp') ?? '',
      };
      const reason = s(item, 'reason');
      if (reason) record.decided.reason = reason;
    }
    return record;
  },
  factWrites: (f) => ({
    set: 'decision = :decision, decidedBy = :by, decidedAt = :at, channel = :channel, sourceIp = :sourceIp, reason = :reason',
    values: {
      ':decision': { S: f.decision },
      ':by': { S: f.by },
      ':at': { S: f.at },
      ':channel': { S: f.channel },
      ':sourceIp': { S: f.sourceIp },
      ':reason': { S: f.reason ?? '' },
    },
  }),
  factAttributes: 'decision, decidedBy, decidedAt, channel, sourceIp, reason',
};

export type ApprovalStore = TokenDecisionStore<ApprovalRecord, DecisionFacts>;

export const makeApprovalStore = (
  tableName: string,
  client: Pick<DynamoDBClient, 'send'> = dynamoDbClient(),
): ApprovalStore => makeTokenDecisionStore(approvalCodec, tableName, client);
