import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  approveFindings,
  contractWindowDecision,
  formatReport,
  type GateReport,
  lintMigrations,
} from '#gate/index';

const pg = (sql: string, extra: Partial<Parameters<typeof lintMigrations>[0]> = {}) =>
  lintMigrations({
    engine: 'postgres',
    phase: 'expand',
    squawk: 'off',
    sources: [{ name: 'm/001.sql', sql }],
    ...extra,
  });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('contractWindowDecision', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('allows contract migrations when no old blue is retained', () => {
    // Prepare
    const windows: Array<{ instanceId: string; retainUntil: string }> = [];

    // Act
    const decision = contractWindowDecision(windows, now);

    // Assess
    expect(decision).toEqual({
      allowed: true,
      message: 'No rollback window is open: contract migrations may run.',
    });
  });

  it('allows contract migrations when every window has closed', () => {
    // Prepare
    const windows = [{ instanceId: 'orders-db-old1', retainUntil: '2026-03-01T11:59:59Z' }];

    // Act
    const decision = contractWindowDecision(windows, now);

    // Assess
    expect(decision.allowed).toBe(true);
  });

  it('refuses until the latest retained old blue expires, saying until when', () => {
    // Prepare
    const windows = [
      { instanceId: 'orders-db-old1', retainUntil: '2026-03-02T00:00:00Z' },
      { instanceId: 'orders-db-old2', retainUntil: '2026-03-03T06:30:00Z' },
    ];

    // Act
    const decision = contractWindowDecision(windows, now);

    // Assess
    expect(decision.allowed).toBe(false);
    expect(decision.until).toBe('2026-03-03T06:30:00.000Z');
    expect(decision.message).toContain(
      'open until 2026-03-03T06:30:00.000Z because old blue orders-db-old2 is retained',
    );
  });

  it('refuses when a retention date cannot be read', () => {
    // Prepare
    const windows = [{ instanceId: 'orders-db-old1', retainUntil: 'next tuesday' }];

    // Act
    const decision = contractWindowDecision(windows, now);

    // Assess
    expect(decision).toMatchObject({ allowed: false });
    expect(decision.message).toContain("unreadable retainUntil 'next tuesday'");
  });
});

describe('lintMigrations', () => {
  it('locates every statement of a multi-statement file by its first line', async () => {
    // Prepare
    const sql = [
      '-- 001: états et index ✓',
      "SET lock_timeout = '5s'; SET statement_timeout = '1min';",
      '',
      '/* drop the legacy column */',
      'ALTER TABLE orders',
      '  DROP COLUMN legacy_status;',
      "ALTER TABLE orders ADD COLUMN note text DEFAULT 'é';",
      'CREATE INDEX orders_note_idx ON orders (note);',
    ].join('\n');

    // Act
    const report = await pg(sql);

    // Assess
    expect(report.statements).toBe(5);
    expect(report.findings.map((f) => [f.rule, f.line, f.statement])).toEqual([
      ['G-DROP-COLUMN', 5, 'ALTER TABLE orders DROP COLUMN legacy_status'],
      ['G-INDEX-BLOCKING', 8, 'CREATE INDEX orders_note_idx ON orders (note)'],
    ]);
  });

  it('keeps classifying the other statements when one does not parse', async () => {
    // Prepare
    const sql =
      "SET lock_timeout = '5s'; SET statement_timeout = '1min';\nALTER TABLE orders DROPP x;\nALTER TABLE orders DROP COLUMN legacy_status;\n";

    // Act
    const report = await pg(sql);

    // Assess
    expect(report.findings.map((f) => [f.rule, f.severity, f.line])).toEqual([
      ['G-RAW-SQL', 'approval', 2],
      ['G-DROP-COLUMN', 'error', 3],
    ]);
    expect(report.findings[0]?.why).toContain('syntax error at or near "DROPP"');
  });

  it('treats an empty migration as a pass', async () => {
    // Prepare
    const sql = '-- nothing to do\n';

    // Act
    const report = await pg(sql);

    // Assess
    expect(report).toMatchObject({ verdict: 'pass', statements: 0, findings: [] });
  });

  it('orders findings by source, then line, across files', async () => {
    // Prepare
    const sources = [
      { name: '002.sql', sql: 'ALTER TABLE a DROP COLUMN b;' },
      { name: '001.sql', sql: '\n\nDROP TABLE c;' },
    ];

    // Act
    const report = await lintMigrations({ engine: 'postgres', phase: 'expand', squawk: 'off', sources });

    // Assess
    expect(report.findings.filter((f) => f.severity === 'error').map((f) => `${f.file}:${f.line}`)).toEqual([
      '002.sql:1',
      '001.sql:3',
    ]);
  });

  it('judges a type change precisely with the current schema', async () => {
    // Prepare
    const schema = [{ name: 'schema.sql', sql: 'CREATE TABLE orders (id bigint, note varchar(20));' }];
    const sql = 'ALTER TABLE orders ALTER COLUMN note TYPE varchar(40);';

    // Act
    const withSchema = await pg(sql, { schema });
    const without = await pg(sql);

    // Assess
    expect(withSchema.findings.map((f) => f.rule)).not.toContain('G-TYPE-CHANGE');
    expect(without.findings.find((f) => f.rule === 'G-TYPE-CHANGE')?.severity).toBe('approval');
  });

  it('says the lock rules came from the classifier only when squawk is off', async () => {
    // Prepare
    const sql = 'SELECT 1;';

    // Act
    const report = await pg(sql);

    // Assess
    expect(report.squawk).toBe('off');
    expect(report.summary).toBe(
      '0 errors, 0 warnings in 1 statement; lock rules from the Switchyard classifier only (squawk off)',
    );
  });

  it('reports squawk as unavailable when its binary is missing', async () => {
    // Prepare
    vi.stubEnv('SWITCHYARD_SQUAWK', '/nonexistent/squawk');

    // Act
    const report = await pg('ALTER TABLE orders DROP COLUMN legacy_status;', { squawk: 'auto' });

    // Assess
    expect(report.squawk).toBe('unavailable');
    expect(report.summary).toContain('squawk not found');
    expect(report.verdict).toBe('fail');
  });
});

describe('lintMigrations with squawk', () => {
  it('merges squawk into one finding per concern and keeps its hygiene rules as warnings', async () => {
    // Prepare
    const sql =
      'ALTER TABLE orders DROP COLUMN legacy_status;\nALTER TABLE orders ADD COLUMN code char(3);\n';

    // Act
    const report = await pg(sql, { squawk: 'auto' });

    // Assess
    expect(report.squawk).toBe('used');
    const rules = report.findings.map((f) => `${f.rule}@${f.line}:${f.severity}`);
    expect(rules).toContain('G-DROP-COLUMN@1:error');
    expect(rules).toContain('squawk:ban-char-field@2:warning');
    expect(rules.filter((r) => r.startsWith('squawk:ban-drop-column'))).toEqual([]);
    expect(rules.filter((r) => r.startsWith('squawk:require-lock-timeout'))).toEqual([]);
    expect(report.findings.find((f) => f.rule === 'G-DROP-COLUMN')?.why).toContain(
      '(squawk ban-drop-column agrees.)',
    );
  });

  it('reports squawk as a warning where the AST rule found the safe form', async () => {
    // Prepare
    const schema = [{ name: 'schema.sql', sql: 'CREATE TABLE orders (id bigint, note varchar(20));' }];
    const sql =
      "SET lock_timeout = '5s';\nSET statement_timeout = '1min';\nALTER TABLE orders ALTER COLUMN note TYPE text;\n";

    // Act
    const report = await pg(sql, { squawk: 'auto', schema });

    // Assess
    const squawk = report.findings.find((f) => f.rule === 'squawk:changing-column-type');
    expect(squawk).toMatchObject({
      severity: 'warning',
      source: 'squawk',
      line: 3,
      classes: ['LOCK', 'BC-OLD'],
    });
    expect(report.verdict).toBe('warn');
  });
});

describe('replication modes', () => {
  it('warns about DDL on blue once per file under logical replication', async () => {
    // Prepare
    const sql = 'ALTER TABLE orders ADD COLUMN a text;\nALTER TABLE orders ADD COLUMN b text;\n';

    // Act
    const report = await pg(sql, { replication: 'logical' });

    // Assess
    const blue = report.findings.filter((f) => f.rule === 'G-BG-BLUE-DDL');
    expect(blue).toHaveLength(1);
    expect(blue[0]?.why).toContain('2 DDL statements');
    expect(blue[0]?.recipe).toContain('on blue BEFORE CreateGreen');
  });

  it('makes column position an error under binlog replication', async () => {
    // Prepare
    const sources = [
      { name: 'my.sql', sql: 'SET lock_wait_timeout = 5;\nALTER TABLE orders ADD COLUMN x int FIRST;' },
    ];

    // Act
    const none = await lintMigrations({ engine: 'mysql', phase: 'expand', sources });
    const binlog = await lintMigrations({ engine: 'mysql', phase: 'expand', sources, replication: 'binlog' });

    // Assess
    expect(none.findings.map((f) => `${f.rule}:${f.severity}`)).toEqual(['G-COLUMN-POSITION:warning']);
    expect(binlog.findings.map((f) => `${f.rule}:${f.severity}`)).toEqual(['G-COLUMN-POSITION:error']);
    expect(binlog.squawk).toBe('off');
  });
});

describe('formatReport', () => {
  const report: GateReport = {
    engine: 'postgres',
    phase: 'expand',
    verdict: 'fail',
    statements: 1,
    squawk: 'off',
    summary: '1 error, 0 warnings in 1 statement',
    findings: [
      {
        rule: 'G-DROP-COLUMN',
        severity: 'error',
        classes: ['BC-OLD', 'DESTR'],
        file: 'db/001, drop.sql',
        line: 3,
        statement: 'ALTER TABLE orders DROP COLUMN legacy_status',
        why: '100% sure:\nold app breaks',
        recipe: 'Expand: ignore it. Contract: drop it.',
        source: 'switchyard',
      },
    ],
  };

  it('prints GitHub annotations with escaped properties and data', () => {
    // Prepare
    const format = 'github' as const;

    // Act
    const out = formatReport(report, format);

    // Assess
    expect(out.split('\n')[0]).toBe(
      '::error file=db/001%2C drop.sql,line=3,title=G-DROP-COLUMN (BC-OLD DESTR)::100%25 sure:%0Aold app breaks%0ARecipe: Expand: ignore it. Contract: drop it.',
    );
  });

  it('prints text naming the rule, the classes, the location and the recipe', () => {
    // Prepare
    const format = 'text' as const;

    // Act
    const out = formatReport(report, format);

    // Assess
    expect(out).toContain(
      'switchyard lint (postgres, expand phase): FAIL: 1 error, 0 warnings in 1 statement',
    );
    expect(out).toContain('ERROR G-DROP-COLUMN [BC-OLD, DESTR] db/001, drop.sql:3');
    expect(out).toContain('recipe:    Expand: ignore it. Contract: drop it.');
  });

  it('prints JSON that parses back to the report', () => {
    // Prepare
    const format = 'json' as const;

    // Act
    const out = formatReport(report, format);

    // Assess
    expect(JSON.parse(out)).toEqual(report);
  });
});

describe('approveFindings', () => {
  it('turns approved approval-needed findings into warnings but never approves errors', async () => {
    // Prepare
    const report = await pg('DO $$ BEGIN END $$;\nALTER TABLE t DROP COLUMN c;');

    // Act
    const approved = approveFindings(report, ['G-RAW-SQL', 'G-DROP-COLUMN'], 'approved by dba@example.com');

    // Assess
    expect(approved.findings.map((f) => `${f.rule}:${f.severity}`)).toEqual([
      'G-RAW-SQL:warning',
      'G-DROP-COLUMN:error',
      'G-TIMEOUTS:warning',
    ]);
    expect(approved.verdict).toBe('fail');
    expect(approved.findings[0]?.why).toMatch(/^approved by dba@example.com: DO block/);
  });
});

describe('docs/gate.md', () => {
  it('lists every rule of the rule table with its phase policy', async () => {
    // Prepare
    const { readFile } = await import('node:fs/promises');
    const { RULES } = await import('#gate/index');

    // Act
    const doc = (await readFile(new URL('../../docs/gate.md', import.meta.url), 'utf8')).replace(/ +/g, ' ');

    // Assess
    const missing = RULES.filter((r) => !doc.includes(`| ${r.id} | ${r.classes.join(', ')} |`)).map(
      (r) => r.id,
    );
    expect(missing).toEqual([]);
  });
});
