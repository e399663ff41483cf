/**
 * Unit-test harness for the approval handlers: aws-sdk-client-mock on every client, with DynamoDB
 * answered by the emulator's in-memory service (so conditional updates behave as in DynamoDB),
 * a fixed clock, and a logger whose every line is captured.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { readApprovalConfig } from '#approval/config';
import type { ApprovalRecord } from '#approval/contracts';
import type { HttpApiEvent } from '#approval/http';
import { makeLogger } from '#approval/log';
import type { ApprovalDeps } from '#approval/service';
import { buildApprovalDeps } from '#approval/wiring';
import { makeApprovalStore } from '#aws/approval-store';
import { createDynamoDbService } from '../../../emulator/services/dynamodb.ts';
import { JsonServiceError } from '../../../emulator/services/json-service.ts';
import { NOW, SIGNING_SECRET, SLACK_SIGNING_SECRET, TABLE } from './fixtures.ts';

export const ddbMock = mockClient(DynamoDBClient);
export const sfnMock = mockClient(SFNClient);
export const snsMock = mockClient(SNSClient);
export const ssmMock = mockClient(SSMClient);

export interface Harness {
  deps: ApprovalDeps;
  lines: string[];
  clock: { now: Date };
  record(approvalId: string): Promise<ApprovalRecord | undefined>;
  sfnCalls(): number;
}

const DDB_COMMANDS = [
  ['PutItem', PutItemCommand],
  ['GetItem', GetItemCommand],
  ['UpdateItem', UpdateItemCommand],
  ['DeleteItem', DeleteItemCommand],
  ['CreateTable', CreateTableCommand],
  ['DescribeTable', DescribeTableCommand],
] as const;

/** Resets every mock and returns fresh deps over a fresh in-memory table. */
export const setupHarness = (env: Record<string, string> = {}): Harness => {
  for (const m of [ddbMock, sfnMock, snsMock, ssmMock]) m.reset();
  const dynamo = createDynamoDbService({ tables: [{ name: TABLE, hashKey: 'pk' }] });
  for (const [operation, command] of DDB_COMMANDS) {
    ddbMock.on(command as never).callsFake(async (input: Record<string, unknown>) => {
      try {
        return (await dynamo.handle({ operation, body: structuredClone(input), headers: {} })).body;
      } catch (err) {
        if (!(err instanceof JsonServiceError)) throw err;
        const type = err.type.split('#').pop() ?? err.type;
        if (type === 'ConditionalCheckFailedException') {
          throw new ConditionalCheckFailedException({ message: err.message, $metadata: {} });
        }
        throw new DynamoDBServiceException({
          name: type,
          $fault: 'client',
          message: err.message,
          $metadata: {},
        });
      }
    });
  }
  ssmMock.on(GetParameterCommand, { Name: '/switchyard/approval/signing-key' }).resolves({
    Parameter: { Name: '/switchyard/approval/signing-key', Value: SIGNING_SECRET },
  });
  ssmMock.on(GetParameterCommand, { Name: '/switchyard/slack/signing-secret' }).resolves({
    Parameter: { Name: '/switchyard/slack/signing-secret', Value: SLACK_SIGNING_SECRET },
  });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});

  const config = readApprovalConfig({ ...process.env, ...env }, {});
  const lines: string[] = [];
  const sink = {
    log: (l: string) => lines.push(l),
    warn: (l: string) => lines.push(l),
    error: (l: string) => lines.push(l),
  };
  const clock = { now: NOW };
  const deps: ApprovalDeps = { ...buildApprovalDeps(config), log: makeLogger(sink), now: () => clock.now };
  const store = makeApprovalStore(TABLE);
  return {
    deps,
    lines,
    clock,
    record: (id) => store.get(id),
    sfnCalls: () =>
      sfnMock.commandCalls(SendTaskSuccessCommand).length +
      sfnMock.commandCalls(SendTaskFailureCommand).length,
  };
};

/** An HTTP API v2 event for the approval callback. */
export const httpEvent = (
  method: string,
  url: string,
  options: { form?: Record<string, string>; contentType?: string; sourceIp?: string; body?: string } = {},
): HttpApiEvent => {
  const u = new URL(url);
  const body = options.body ?? (options.form ? new URLSearchParams(options.form).toString() : undefined);
  const approvalId = u.pathname.split('/').pop() ?? '';
  return {
    version: '2.0',
    routeKey: `${method} /approvals/{approvalId}`,
    rawPath: u.pathname,
    rawQueryString: u.search.slice(1),
    headers: {
      host: u.host,
      ...(body !== undefined
        ? { 'content-type': options.contentType ?? 'application/x-www-form-urlencoded' }
        : {}),
    },
    pathParameters: { approvalId },
    requestContext: { http: { method, path: u.pathname, sourceIp: options.sourceIp ?? '198.51.100.23' } },
    // HTTP APIs deliver form posts base64-encoded.
    ...(body !== undefined ? { body: Buffer.from(body).toString('base64'), isBase64Encoded: true } : {}),
  };
};

/** The hidden fields a confirmation page posts back: the link's own query parameters. */
export const formFromLink = (link: string, extra: Record<string, string> = {}): Record<string, string> => ({
  ...Object.fromEntries(new URL(link).searchParams),
  ...extra,
});

/** The action URL of a link (what the confirmation form posts to). */
export const actionOf = (link: string): string => link.split('?')[0] ?? link;
