/**
 * The rehearsal setting end to end with the project's emulator: SNS (its outbox), SSM (PutParameter /
 * GetParameter) and the DynamoDB service served by `startEmulator`, the approval server, the real
 * request-approval handler. The approver reads the e-mail from the outbox, opens the approve link in
 * headless Chromium and clicks Approve.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestApprovalInput, RequestApprovalOutput } from '#approval/contracts';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { createDynamoDbService } from '../../emulator/services/dynamodb.ts';
import type { ApprovalServer } from '../../local/approval-server.ts';
import { createFakeSfn } from './support/aws-fakes.ts';
import { EXECUTION_ARN, requestInput, TABLE, TASK_TOKEN, taskEvent } from './support/fixtures.ts';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:switchyard-rehearsal';

let emulator: Emulator | undefined;
let server: ApprovalServer | undefined;
let browser: BrowserContext | undefined;
let profile: string | undefined;
const sfn = createFakeSfn();
let requestApproval: (input: RequestApprovalInput) => Promise<RequestApprovalOutput>;

beforeAll(async () => {
  emulator = await startEmulator({
    seed: false,
    jsonServices: [createDynamoDbService({ tables: [{ name: TABLE, hashKey: 'pk' }] }), sfn],
  });
  for (const service of ['DYNAMODB', 'SFN', 'SSM', 'SNS'])
    process.env[`AWS_ENDPOINT_URL_${service}`] = emulator.url;
  const ssm = new SSMClient({});
  await ssm.send(
    new PutParameterCommand({
      Name: '/switchyard/rehearsal/approval-key',
      Type: 'SecureString',
      Overwrite: true,
      Value: 'rehearsal-key-0123456789abcdef0123456789abcdef',
    }),
  );
  ssm.destroy();
  const { startApprovalServer } = await import('../../local/approval-server.ts');
  server = await startApprovalServer({
    env: {
      APPROVAL_TABLE: TABLE,
      APPROVAL_SECRET_PARAMETER: '/switchyard/rehearsal/approval-key',
      NOTIFY_TOPIC_ARN: TOPIC,
    },
  });
  const { handler } = await import('../../functions/request-approval.ts');
  requestApproval = (input) => {
    sfn.register(input.taskToken);
    return handler(taskEvent(input), { functionName: 'request-approval', awsRequestId: 'r' } as never);
  };
  profile = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ARGS,
    headless: true,
  });
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (profile) rmSync(profile, { recursive: true, force: true });
  await server?.stop().catch(() => undefined);
  await emulator?.stop();
});

describe('approval in the rehearsal setting (project emulator)', () => {
  it('the approve link from the SNS e-mail opens the confirmation page in Chromium, and the POST approves', async () => {
    // Prepare: the request goes out through the emulator's SNS.
    const { approvalId } = await requestApproval(
      requestInput({ expiresAt: new Date(Date.now() + 3600_000).toISOString() }),
    );
    const mail = emulator!
      .outbox()
      .find((m) => m.messageAttributes.approver?.StringValue === 'dba@example.com');
    const link = /^Approve:\s+(\S+)/m.exec(mail?.message ?? '')?.[1] ?? '';
    expect(link.startsWith(`${server!.approvalsUrl}/${approvalId}?`)).toBe(true);
    expect(mail?.message).not.toContain(TASK_TOKEN);

    // Act: open it and click Approve.
    const page = await browser!.newPage();
    expect((await page.goto(link))?.status()).toBe(200);
    expect(await page.locator('#facts').textContent()).toContain('16.4 → 17.4');
    expect(sfn.calls).toHaveLength(0);
    await Promise.all([page.waitForURL((u) => !u.search), page.locator('#approve').click()]);

    // Assess: SendTaskSuccess with the audit fields, and the decision in the outbox.
    expect(await page.locator('#decision').textContent()).toContain('Approved by dba@example.com');
    expect(sfn.calls).toEqual([
      expect.objectContaining({
        operation: 'SendTaskSuccess',
        taskToken: TASK_TOKEN,
        output: expect.objectContaining({
          decision: 'approved',
          by: 'dba@example.com',
          channel: 'email',
          sourceIp: '127.0.0.1',
          approvalId,
        }),
      }),
    ]);
    const audit = emulator!
      .outbox()
      .find((m) => m.messageAttributes.kind?.StringValue === 'approval-decision');
    expect(JSON.parse(audit?.message ?? '{}')).toMatchObject({
      decision: 'approved',
      executionArn: EXECUTION_ARN,
      channel: 'email',
    });
    await page.close();
  });
});
