/** Shared fixtures for the approval tests. */
import type { RequestApprovalInput } from '#approval/contracts';
import { statementRefs } from '#domain/sql-refs';

export const SIGNING_SECRET = 'test-signing-key-0123456789abcdef-0123456789abcdef';
export const SLACK_SIGNING_SECRET = 'slack-signing-secret-8f14e45fceea167a5a36dedd4bea2543';
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:switchyard-notify';
export const TABLE = 'switchyard-approvals';
export const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:blue-green:orders-2026-01-11';
/** Looks like a real token: long, opaque, distinctive enough to grep for. */
export const TASK_TOKEN = `AQCEAAAAKgAAAAMAAAAA${'Zm9vYmFyYmF6'.repeat(20)}TOKENEND`;

/** A Lambda context without getRemainingTimeInMillis, so middy arms no early timeout. */
export const context = { functionName: 'test', awsRequestId: 'req-1' } as never;

export const requestInput = (overrides: Partial<RequestApprovalInput> = {}): RequestApprovalInput => ({
  taskToken: TASK_TOKEN,
  executionArn: EXECUTION_ARN,
  approvers: ['dba@example.com', 'lead@example.com', 'slack:U0123ABCD'],
  expiresAt: '2026-01-11T12:00:00.000Z',
  request: {
    database: 'orders-db',
    deploymentId: 'bgd-0123456789abcdef',
    greenInstanceId: 'orders-db-green-abc123',
    current: { engineVersion: '16.4', dbParameterGroupName: 'orders-pg16', dbInstanceClass: 'db.r6g.large' },
    target: { engineVersion: '17.4', dbParameterGroupName: 'orders-pg17', dbInstanceClass: 'db.r7g.large' },
    replication: 'logical',
    lag: { value: 2, unit: 'seconds', metric: 'OldestReplicationSlotLag' },
    window: { days: ['SUN'], start: '02:00', end: '04:00', timezone: 'UTC' },
    migrations: {
      verdict: 'pass',
      summary: '1 expand statement, no contract statement',
      statements: ['ALTER TABLE orders ADD COLUMN order_state_v2 text;'],
    },
  },
  ...overrides,
});

/** The clock the unit tests run at: two hours before the deadline. */
export const NOW = new Date('2026-01-11T10:00:00.000Z');

/**
 * The same request as the state machine sends it: statements as references into the input document,
 * which travels beside it (src/domain/sql-refs.ts). Other fields, valid or not, pass through unchanged.
 */
export const taskEvent = (input: RequestApprovalInput & Record<string, unknown>) => {
  const { request, ...rest } = input;
  const expand = request.migrations.statements;
  return {
    ...rest,
    request: { ...request, migrations: { ...request.migrations, statements: statementRefs({ expand }) } },
    document: { source: { dbInstanceIdentifier: request.database }, migrations: { expand } },
  };
};
