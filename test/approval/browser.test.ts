/**
 * The confirmation page in a real headless Chromium (Debian `chromium` + playwright-core), in the
 * rehearsal setting: local approval server, DynamoDB emulator service, recording Step Functions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL_REJECTED } from '#approval/contracts';
import { EXECUTION_ARN, requestInput, TASK_TOKEN } from './support/fixtures.ts';
import { type Rehearsal, startRehearsal } from './support/loopback.ts';

const CHROMIUM = '/usr/bin/chromium';
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

let rehearsal: Rehearsal | undefined;
let browser: BrowserContext | undefined;
let profile: string | undefined;
let n = 0;

/** A fresh approval (own token, own execution) whose deadline is an hour away. */
const newApproval = async () => {
  n += 1;
  const token = `${TASK_TOKEN}-${n}`;
  const out = await rehearsal!.requestApproval(
    requestInput({
      taskToken: token,
      executionArn: `${EXECUTION_ARN}-${n}`,
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    }),
  );
  return { ...out, token };
};

const status = (approvalId: string) =>
  rehearsal!.dynamo
    .items('switchyard-approvals')
    .find((i) => i.pk && 'S' in i.pk && i.pk.S === `approval#${approvalId}`);

beforeAll(async () => {
  rehearsal = await startRehearsal();
  profile = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
  });
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (profile) rmSync(profile, { recursive: true, force: true });
  await rehearsal?.stop();
});

describe('the confirmation page in Chromium', () => {
  it('opens the printed approve link, shows the facts, and the Approve click approves', async () => {
    // Prepare
    const { approvalId, links, token } = await newApproval();
    const page = await browser!.newPage();
    // Act: open the link as an approver would.
    const response = await page.goto(links.approve[0] ?? '');
    // Assess: the page says what is being approved, by whom; nothing decided yet.
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('Approve the switchover of orders-db?');
    expect(await page.locator('#approver').textContent()).toBe('dba@example.com');
    const facts = (await page.locator('#facts').textContent()) ?? '';
    for (const fact of [
      'orders-db',
      '16.4 → 17.4',
      'orders-pg16 → orders-pg17',
      'db.r7g.large',
      'orders-db-green-abc123',
      '2 seconds',
      'SUN 02:00–04:00 UTC',
      'PASS',
    ]) {
      expect(facts).toContain(fact);
    }
    expect(rehearsal!.sfn.calls).toHaveLength(0);

    // Act: click Approve.
    await Promise.all([page.waitForURL((u) => !u.search), page.locator('#approve').click()]);

    // Assess
    expect(await page.locator('#decision').textContent()).toContain('Approved by dba@example.com');
    const call = rehearsal!.sfn.calls.find((c) => c.taskToken === token);
    expect(call?.operation).toBe('SendTaskSuccess');
    expect(call?.output).toMatchObject({
      decision: 'approved',
      by: 'dba@example.com',
      channel: 'email',
      sourceIp: '127.0.0.1',
      approvalId,
    });
    expect(Date.parse((call?.output as { at?: string } | undefined)?.at ?? '')).toBeGreaterThan(
      Date.now() - 60_000,
    );
    const audit = rehearsal!.aws.published.find((p) => p.attributes.kind === 'approval-decision');
    expect(JSON.parse(audit?.Message ?? '{}')).toMatchObject({
      decision: 'approved',
      by: 'dba@example.com',
      channel: 'email',
      sourceIp: '127.0.0.1',
    });

    // Going back to the link (single-use) now shows it was decided; nothing more happens.
    await page.goBack();
    await page.reload();
    expect(await page.locator('#refusal').textContent()).toContain('already approved by dba@example.com');
    expect(rehearsal!.sfn.calls.filter((c) => c.taskToken === token)).toHaveLength(1);
    await page.close();
  });

  it('opens the reject link, takes a reason, and the Reject click sends ApprovalRejected', async () => {
    const { approvalId, links, token } = await newApproval();
    const page = await browser!.newPage();
    await page.goto(links.reject[1] ?? '');
    expect(await page.locator('#approver').textContent()).toBe('lead@example.com');
    await page.locator('#reason').fill('Batch job running; try next window');
    await Promise.all([page.waitForURL((u) => !u.search), page.locator('#reject').click()]);
    expect(await page.locator('#decision').textContent()).toContain('Rejected by lead@example.com');
    const call = rehearsal!.sfn.calls.find((c) => c.taskToken === token);
    expect(call?.operation).toBe('SendTaskFailure');
    expect(call?.error).toBe(APPROVAL_REJECTED);
    expect(call?.cause).toMatchObject({
      decision: 'rejected',
      by: 'lead@example.com',
      channel: 'email',
      sourceIp: '127.0.0.1',
      approvalId,
      reason: 'Batch job running; try next window',
    });
    await page.close();
  });

  it('a GET-only visit (a link scanner, even one that renders pages) decides nothing', async () => {
    const { approvalId, links, token } = await newApproval();
    const page = await browser!.newPage();
    for (const link of [...links.approve, ...links.reject]) {
      expect((await page.goto(link))?.status()).toBe(200);
      expect((await fetch(link)).status).toBe(200);
      expect((await fetch(link, { method: 'HEAD' })).status).toBe(200);
    }
    expect(rehearsal!.sfn.calls.filter((c) => c.taskToken === token)).toHaveLength(0);
    expect(status(approvalId)?.status).toEqual({ S: 'pending' });
    await page.close();
  });

  it('a tampered link shows a refusal page, not a form', async () => {
    const { links, token } = await newApproval();
    const page = await browser!.newPage();
    const response = await page.goto((links.approve[0] ?? '').replace('decision=approve', 'decision=reject'));
    expect(response?.status()).toBe(403);
    expect(await page.locator('#refusal').textContent()).toContain('altered');
    expect(await page.locator('form').count()).toBe(0);
    expect(rehearsal!.sfn.calls.filter((c) => c.taskToken === token)).toHaveLength(0);
    await page.close();
  });
});
