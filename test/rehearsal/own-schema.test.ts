/**
 * Rehearsing a user's own deployment end to end, as `switchyard rehearse --input … --schema …` does:
 * examples/clean-switch (a real pg_dump --schema-only of a billing database and its production input)
 * through the whole state machine on real PostgreSQL 17 → 18 with the write load, the run's HTML report
 * opened in headless Chromium (Debian `chromium` + playwright-core), with a Hooks section only on a variant
 * of the report that carries hook records judged by the domain code; examples/destructive-migration
 * refused by the migration gate at Preflight with nothing created.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rehearseCommand } from '../../bin/commands/rehearse.ts';
import { renderHtmlReport } from '../../rehearsal/html-report.ts';
import type { RehearsalReport } from '../../rehearsal/index.ts';
import { mappedInput } from '../../rehearsal/user-input.ts';
import { HooksInput, judgeHookAttempt, planHooks } from '../../src/domain/hooks.ts';
import { expectCleanEnd, inOrder, runScenario } from './support.ts';

const example = (name: string, file: string) =>
  fileURLToPath(new URL(`../../examples/${name}/${file}`, import.meta.url));

let report: RehearsalReport;
let dir: string;
let browser: Browser | undefined;

/** The one headless Chromium of this file, started by the first case that needs it. */
const launchBrowser = async (): Promise<Browser> => {
  browser ??= await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
    headless: true,
  });
  return browser;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-own-schema-'));
  report = await runScenario('happy', {
    schema: { file: example('clean-switch', 'schema.sql'), rows: 15 },
    input: mappedInput(example('clean-switch', 'input.json')),
    loadTable: 'accounts',
  });
}, 240_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('rehearse --input examples/clean-switch/input.json --schema examples/clean-switch/schema.sql', () => {
  it('switches with the user schema filled and every row on green', () => {
    // The user's own input ran: their release, migrations and smoke SQL on their tables.
    expect(report.input).toMatchObject({
      source: { dbInstanceIdentifier: 'orders-db' },
      release: 'billing-2026-12',
      green: {
        smokeSql: [
          'SELECT count(*) FROM invoices',
          'SELECT count(*) FROM usage_events',
          'SELECT public.account_balance_cents(1)',
          "SELECT count(*) FROM public.accounts_in('DE')",
          'SELECT public.name_list(name) FROM accounts',
          'SELECT count(*) FROM public.plan_usage',
        ],
        refreshMaterializedViews: true,
      },
    });
    expect(report.inputMapping?.changes.map((c) => c.field)).toContain('window');
    expectCleanEnd(report);
    expect(report.outcome).toBe('switched');
    expect(report.schema?.shortfalls).toEqual([]);
    expect(report.schema?.tables.map((t) => [t.table, t.inserted])).toEqual([
      ['public.accounts', 15],
      ['public.invoice_lines', 15],
      ['public.invoices', 15],
      ['public.plans', 15],
      ['public.subscriptions', 15],
      ['public.usage_events', 15],
    ]);
    const rowsCheck = report.checks.find((c) => c.name === 'schema rows on the endpoint');
    expect(rowsCheck).toMatchObject({ ok: true, detail: '90 rows in 6 tables' });
    expect(report.endpoints.after?.serverVersion).toMatch(/^18/);
    // The write load went into the user's accounts table: every acknowledged INSERT is found there on green.
    expect(report.writes.acknowledged).toBeGreaterThan(100);
    expect(report.checks.find((c) => c.name === 'no lost writes')?.detail).toBe(
      '0 acknowledged writes missing from orders-db',
    );
  });

  it('refreshed the materialized view and analyzed green before the approval (the smoke query read the view there)', () => {
    // The emulator builds the view on green WITH NO DATA: the first refresh is plain, and the smoke
    // query `SELECT count(*) FROM public.plan_usage` on green would fail had it not run.
    expect(report.greenMaintenance).toMatchObject({ status: 'done', analyzed: true, viewsRefreshed: 1 });
    expect(report.greenMaintenance?.tables).toBeGreaterThanOrEqual(6);
    expect(report.greenMaintenance?.summary).toContain('1 materialized view(s) refreshed (0 concurrently)');
    expect(report.checks.find((c) => c.name === 'green analyzed before the approval')?.ok).toBe(true);
  });

  it('records the series the picture needs', () => {
    const acks = report.series.writesPerSecond.reduce((n, w) => n + (w * report.series.bucketMs) / 1000, 0);
    expect(Math.round(acks)).toBe(report.writes.acknowledged);
    // Every client error is in the series (failed INSERTs and refused connections), those of the switch among them.
    const errors = report.series.clientErrors.reduce((a, b) => a + b, 0);
    expect(errors).toBeGreaterThanOrEqual(report.switchover.clientErrors);
    expect(errors).toBeGreaterThanOrEqual(report.writes.failed);
  });

  it('renders the HTML report in Chromium: every state, the charts, the outcome and the checks', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtmlReport(report));
    const page = await (await launchBrowser()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 10_000 });
    expect(errors).toEqual([]);
    // Self-contained: the page asks for nothing but itself.
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    const drawn = await page
      .locator('#timeline g.state')
      .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-state')));
    expect(drawn).toEqual([...new Set(report.states)]);
    expect(
      inOrder(drawn as string[], ['Preflight', 'CreateGreen', 'RequestApproval', 'Switchover', 'Verify']),
    ).toBe(true);
    expect(await page.locator('#timeline .band-stall').count()).toBe(1);
    expect(await page.locator('#writes-chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#lag-chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#outcome').textContent()).toBe('switched');
    expect(await page.locator('#checks tr').count()).toBe(report.checks.length);
    // The migration applied on blue before green, and RDS's modelled switchover time labelled apart from the local stall.
    expect(await page.locator('#migrations-summary').textContent()).toBe(
      '1 of 1 applied (done), finished before green was created',
    );
    expect(await page.locator('#migrations tr').first().textContent()).toMatch(
      /^migrations\.expand\[0\] line 1applied\d+ msALTER TABLE accounts ADD COLUMN locale text/,
    );
    expect(await page.locator('#estimate').textContent()).toMatch(
      /^switchover on RDS \(modelled\)\d+–\d+ s, expected \d+ s; recommended SwitchoverTimeout \d+ s \(PrepareApproval's estimate, not measured\)/,
    );
    expect(await page.locator('#validation tr').count()).toBe(report.validation?.length);
    expect(await page.locator('#ddl-guard tr').count()).toBe(report.ddlGuard.length);
    // MaintainGreen's round: ANALYZE after 17 → 18 and the plain first refresh of the user's view.
    expect(await page.locator('#green-maintenance-summary').textContent()).toMatch(
      /^done after 1 round\(s\), \d+ ms: ANALYZE \d+ table\(s\) in \d+\.\d s; 1 materialized view\(s\) refreshed/,
    );
    const maintenance = await page.locator('#green-maintenance tr').allTextContents();
    expect(maintenance[0]).toMatch(
      /^ANALYZE\d+ table\(s\) analyzed: major-version upgrade 17 → 18: planner statistics do not come across\d+ ms$/,
    );
    expect(maintenance).toContainEqual(
      expect.stringMatching(
        /^REFRESH1 materialized view\(s\) refreshed \(0 concurrently\): green\.refreshMaterializedViews is true/,
      ),
    );
    expect(maintenance).toContainEqual(
      expect.stringMatching(
        /^REFRESHpublic\.plan_usage \(never populated on green \(CONCURRENTLY needs existing rows\)\)\d+ ms$/,
      ),
    );
    expect(maintenance.filter((t) => t.startsWith('ANALYZE skipped'))).toEqual([]);

    // The same section for a round that skipped tables and did not refresh: every skip with its reason.
    const gm = report.greenMaintenance;
    if (!gm) throw new Error('the run recorded no green maintenance');
    const skipping = join(dir, 'skips.html');
    writeFileSync(
      skipping,
      renderHtmlReport({
        ...report,
        greenMaintenance: {
          ...gm,
          viewsRun: false,
          viewsRefreshed: 0,
          viewsWhy: 'green.refreshMaterializedViews is false',
          views: [],
          skipped: [
            { name: 'public.audit', why: 'skipping "audit" --- only table or database owner can analyze it' },
          ],
          skippedCount: 2,
        },
      }),
    );
    await page.goto(`file://${skipping}`);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 10_000 });
    const skips = await page.locator('#green-maintenance tr').allTextContents();
    expect(skips[0]).toMatch(/^ANALYZE\d+ table\(s\) analyzed, 2 skipped: major-version upgrade/);
    expect(skips.filter((t) => /^(ANALYZE skipped|REFRESH)/.test(t))).toEqual([
      'ANALYZE skippedpublic.audit: skipping "audit" --- only table or database owner can analyze it',
      'ANALYZE skippedand 1 more (list capped)',
      'REFRESHnot run: green.refreshMaterializedViews is false',
    ]);
    expect(await page.locator('#green-maintenance td.bad').count()).toBe(2);
    expect(errors).toEqual([]);
  });

  it('shows a Hooks section only when the run had hooks: each point, outcome and what the run did, duration, output', async () => {
    // Prepare: this run had no hooks; a variant carries what RecordHookAttempt judges for three hooks: a
    // pass, a warn hook that timed out, an abort hook that failed its retry (its output tries to inject HTML).
    const page = await (await launchBrowser()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    expect(report.hooks ?? []).toEqual([]);
    const plan = planHooks(
      HooksInput.parse({
        greenReady: { name: 'green-suite', lambda: { functionName: 'orders-green-tests' } },
        beforeSwitch: {
          name: 'tell-ci',
          http: {
            url: 'https://ci.example.com/hooks/switch',
            method: 'POST',
            connectionArn: 'arn:aws:events:us-east-1:123456789012:connection/ci/abc',
          },
          onFailure: 'warn',
        },
        afterSwitch: { name: 'smoke', lambda: { functionName: 'orders-smoke' }, retries: 1 },
      }),
    );
    const envelope = JSON.stringify({
      errorType: 'Error',
      errorMessage: 'smoke: <script>document.title = "hacked"</script> 1 of 3 checks failed',
      trace: ['Error: smoke', '    at check (/var/task/index.mjs:1:1)'],
    });
    const hooks = [
      judgeHookAttempt(
        plan.greenReady[0]!,
        { result: { payload: { ok: true, checks: 3 } }, error: null },
        0,
        4_200,
      ),
      judgeHookAttempt(
        plan.beforeSwitch[0]!,
        { result: null, error: { Error: 'States.Timeout' } },
        0,
        60_000,
      ),
      judgeHookAttempt(
        plan.afterSwitch[0]!,
        { result: null, error: { Error: 'Error', Cause: envelope } },
        1,
        1_500,
      ),
    ];
    expect(hooks.map((h) => h.next)).toEqual(['continue', 'continue', 'abort']);
    const without = join(dir, 'no-hooks.html');
    const withHooks = join(dir, 'hooks.html');
    writeFileSync(without, renderHtmlReport(report));
    writeFileSync(withHooks, renderHtmlReport({ ...report, hooks }));
    // Act
    await page.goto(`file://${without}`);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 10_000 });
    const headingsWithout = await page.locator('h2').allTextContents();
    await page.goto(`file://${withHooks}`);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 10_000 });
    // Assess
    expect(headingsWithout).not.toContain('Hooks');
    expect(await page.locator('h2').allTextContents()).toContain('Hooks');
    expect(await page.locator('#hooks-summary').textContent()).toBe('1 of 3 passed');
    const rows = await page
      .locator('#hooks tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual([
      [
        'greenReady',
        'greenReady[0] green-suite (lambda orders-green-tests)',
        'passed',
        '4.2 s, 1 attempt(s)',
        '{"payload":{"ok":true,"checks":3}}',
      ],
      [
        'beforeSwitch',
        'beforeSwitch[0] tell-ci (http POST https://ci.example.com/hooks/switch)',
        'timed-out (onFailure warn: the run went on)',
        '60.0 s, 1 attempt(s)',
        'States.Timeout:',
      ],
      [
        'afterSwitch',
        'afterSwitch[0] smoke (lambda orders-smoke)',
        'failed (onFailure abort: the run stopped)',
        '1.5 s, 2 attempt(s)',
        hooks[2]!.summary,
      ],
    ]);
    // The hook's output is shown as text, never run as markup.
    expect(hooks[2]!.summary).toContain('<script>document.title = "hacked"</script> 1 of 3 checks failed');
    expect(await page.title()).not.toBe('hacked');
    expect(await page.locator('#hooks td.bad').count()).toBe(2);
    expect(errors).toEqual([]);
  });
});

/** `switchyard rehearse …` as a user types it; returns the exit code, the printed summary and the JSON report. */
const command = async (
  argv: string[],
): Promise<{ code: number; printed: string; report: RehearsalReport }> => {
  const file = join(dir, `${Date.now()}.json`);
  const printed: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    const code = await rehearseCommand([...argv, '--auto-approve', '--report', file]);
    return {
      code,
      printed: printed.join(''),
      report: JSON.parse(readFileSync(file, 'utf8')) as RehearsalReport,
    };
  } finally {
    write.mockRestore();
  }
};

describe('rehearse --input examples/destructive-migration/input.json --schema …/schema.sql --expect refused', () => {
  it('is refused at Preflight by the gate, every problem named, nothing created, no write lost: exit 0', async () => {
    const {
      code,
      printed,
      report: r,
    } = await command([
      '--input',
      example('destructive-migration', 'input.json'),
      '--schema',
      example('destructive-migration', 'schema.sql'),
      '--rows',
      '10',
      '--expect',
      'refused',
    ]);
    expect(code).toBe(0);
    expect(printed).toContain(
      '--expect     refused: the run ended refused as expected and every check held (exit 0)',
    );
    expect(printed).toMatch(/\n {15}- migrations\.expand\[1\]:1 G-TYPE-CHANGE [^\n]*Recipe: Expand/);
    expect(r.expected).toBe('refused');
    expect(r.passed).toBe(true);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.states).toEqual(['Begin', 'Preflight', 'NotifyRefused', 'Refused']);
    const cause = r.failures.find((f) => f.state === 'Preflight')?.cause ?? '';
    expect(cause).toMatch(/migrations\.expand\[0\]:1 G-DROP-COLUMN/);
    expect(cause).toMatch(/migrations\.expand\[1\]:1 G-TYPE-CHANGE/);
    expect(r.writes.lost).toBe(0);
    expect(r.remaining.deployments).toEqual([]);
    expect(r.remaining.instances.map((i) => i.id)).toEqual(['orders-db']);
    expect(r.checks.find((c) => c.name === 'schema rows on the endpoint')?.ok).toBe(true);
  }, 120_000);
});

describe('rehearse --input examples/data-plane-hazards/input.json --schema …/schema.sql', () => {
  it('is refused at Preflight by the data-plane inspection, each hazard with its fix; --expect switched exits 1 saying so', async () => {
    const {
      code,
      printed,
      report: r,
    } = await command([
      '--input',
      example('data-plane-hazards', 'input.json'),
      '--schema',
      example('data-plane-hazards', 'schema.sql'),
      '--rows',
      '10',
      '--expect',
      'switched',
    ]);
    expect(code).toBe(1);
    expect(printed).toContain('--expect     switched: the run ended refused, not switched (exit 1)');
    // The summary prints the whole refusal: each problem on its own line, with its fix, and the warnings.
    expect(printed).toContain('Rehearsal of ');
    expect(printed).toMatch(/\n {15}- postgres \[PG-UNLOGGED-TABLES\] [^\n]*fix: make them logged/);
    expect(printed).toMatch(
      /\n {15}- postgres \[PG-MATERIALIZED-VIEWS\] [^\n]*fix: refresh each one on green/,
    );
    // The picture shows the refusal as its message, every line, without the Lambda envelope's trace.
    const failure = /<pre class="failure">([^<]*)<\/pre>/.exec(renderHtmlReport(r))?.[1] ?? '';
    expect(failure).toMatch(
      /^Preflight refused orders-db: 2 problem\(s\):\n- postgres \[PG-NO-REPLICA-IDENTITY\]/,
    );
    expect(failure).toContain('[PG-MATERIALIZED-VIEWS]');
    expect(failure).not.toContain('trace');
    expect(r.outcome).toBe('refused');
    // What a switch promises did not happen: the run ended refused and blue still serves.
    expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['outcome', 'endpoint moved to green']);
    const cause = r.failures.find((f) => f.state === 'Preflight')?.cause ?? '';
    expect(cause).toMatch(/\[PG-NO-REPLICA-IDENTITY\][^\n]*public\.activity_log[^\n]*fix: add a primary key/);
    expect(cause).toMatch(/\[PG-UNLOGGED-TABLES\][^\n]*public\.web_sessions[^\n]*fix: make them logged/);
    expect(cause).toMatch(/\[PG-MATERIALIZED-VIEWS\][^\n]*public\.contact_stats/);
    expect(r.writes.lost).toBe(0);
    expect(r.remaining.deployments).toEqual([]);
    expect(r.remaining.instances.map((i) => i.id)).toEqual(['orders-db']);
  }, 120_000);
});
