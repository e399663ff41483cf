/**
 * The rehearsal setting, over loopback: the DynamoDB emulator service, a recording Step Functions,
 * SSM and SNS behind one local router (real SDK clients reach them through AWS_ENDPOINT_URL_*), and
 * local/approval-server.ts serving the real callback and Slack handlers.
 */
import type { RequestApprovalInput, RequestApprovalOutput } from '#approval/contracts';
import type { OpenRollbackWindowInput } from '#approval/fail-back';
import { createDynamoDbService, type DynamoDbService } from '../../../emulator/services/dynamodb.ts';
import { type ApprovalServer, startApprovalServer } from '../../../local/approval-server.ts';
import { createFakeSfn, createFakeSsm, type FakeAws, type FakeSfn, startFakeAws } from './aws-fakes.ts';
import { SIGNING_SECRET, SLACK_SIGNING_SECRET, TABLE, TOPIC_ARN, taskEvent } from './fixtures.ts';

export interface Rehearsal {
  aws: FakeAws;
  sfn: FakeSfn;
  dynamo: DynamoDbService;
  server: ApprovalServer;
  requestApproval(input: RequestApprovalInput): Promise<RequestApprovalOutput>;
  /** The real OpenRollbackWindow handler (its token registered as waiting, like a running task). */
  openRollbackWindow(input: OpenRollbackWindowInput): Promise<{ windowId: string; links: string[] }>;
  stop(): Promise<void>;
}

export const startRehearsal = async (extraEnv: Record<string, string> = {}): Promise<Rehearsal> => {
  const dynamo = createDynamoDbService({ tables: [{ name: TABLE, hashKey: 'pk' }] });
  const sfn = createFakeSfn();
  const ssm = createFakeSsm({
    '/switchyard/approval/signing-key': SIGNING_SECRET,
    '/switchyard/slack/signing-secret': SLACK_SIGNING_SECRET,
    ...(extraEnv.SLACK_WEBHOOK_URL ? { '/switchyard/slack/webhook-url': extraEnv.SLACK_WEBHOOK_URL } : {}),
    '/switchyard/slack/bot-token': 'xoxb-test-bot-token',
  });
  const aws = await startFakeAws([dynamo, sfn, ssm]);
  let server: ApprovalServer | undefined;
  try {
    // Before any handler module loads: its clients and configuration are built once, at import.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: aws.url,
      AWS_ENDPOINT_URL_SFN: aws.url,
      AWS_ENDPOINT_URL_SSM: aws.url,
      AWS_ENDPOINT_URL_SNS: aws.url,
      AWS_MAX_ATTEMPTS: '1',
    });
    const { SLACK_WEBHOOK_URL: _unused, ...env } = extraEnv;
    server = await startApprovalServer({
      env: {
        APPROVAL_TABLE: TABLE,
        APPROVAL_SECRET_PARAMETER: '/switchyard/approval/signing-key',
        NOTIFY_TOPIC_ARN: TOPIC_ARN,
        SLACK_SIGNING_SECRET_PARAMETER: '/switchyard/slack/signing-secret',
        ...env,
      },
    });
    const { handler } = await import('../../../functions/request-approval.ts');
    const { handler: openWindow } = await import('../../../functions/open-rollback-window.ts');
    const started = server;
    return {
      aws,
      sfn,
      dynamo,
      server: started,
      requestApproval: (input) => {
        sfn.register(input.taskToken);
        return handler(taskEvent(input), { functionName: 'request-approval', awsRequestId: 'r' } as never);
      },
      openRollbackWindow: (input) => {
        sfn.register(input.taskToken);
        return openWindow(input, { functionName: 'open-rollback-window', awsRequestId: 'r' } as never);
      },
      stop: async () => {
        await started.stop().catch(() => undefined);
        await aws.stop();
      },
    };
  } catch (err) {
    await server?.stop().catch(() => undefined);
    await aws.stop();
    throw err;
  }
};
