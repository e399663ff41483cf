import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../bin/commands/lint.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-lint-'));

const file = (name: string, sql: string): string => {
  const path = join(dir, name);
  writeFileSync(path, sql);
  return path;
};

const lint = (args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = execFile(
      'node',
      ['bin/switchyard.mjs', 'lint', ...args],
      { cwd: ROOT },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });

/** Runs the command in-process, capturing what it prints. */
const runInProcess = async (args: string[]): Promise<{ code: number; stdout: string }> => {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => {
    lines.push(line);
  });
  const code = await run(args);
  return { code, stdout: lines.join('\n') };
};

afterEach(() => {
  vi.restoreAllMocks();
});

// The "done when" examples and the exit codes go through the real binary; they run concurrently to keep the suite fast.
describe.concurrent('switchyard lint (spawned)', () => {
  it('fails DROP COLUMN in the expand phase and explains the expand/contract recipe', async () => {
    // Prepare
    const path = file('drop.sql', 'ALTER TABLE orders DROP COLUMN legacy_status;\n');

    // Act
    const { code, stdout } = await lint([path, '--engine', 'postgres', '--phase', 'expand']);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain(`ERROR G-DROP-COLUMN [BC-OLD, DESTR] ${path}:1`);
    expect(stdout).toMatch(/recipe: +Expand: ship an application release that ignores the column.*Contract/);
  });

  it('passes a nullable ADD COLUMN in the expand phase', async () => {
    // Prepare
    const path = file('add.sql', 'ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20);\n');

    // Act
    const { code, stdout } = await lint([path, '--phase=expand']);

    // Assess
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/^ERROR/m);
  });

  it('exits 2 naming the flag and its allowed values on a bad value', async () => {
    // Prepare
    const path = file('usage.sql', 'SELECT 1;\n');

    // Act
    const { code, stderr } = await lint([path, '--phase', 'migrate']);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain("--phase must be one of expand, contract (got 'migrate')");
  });
  it('reads stdin and prints GitHub annotations', async () => {
    // Prepare
    const sql = 'SET lock_wait_timeout = 5;\nALTER TABLE orders ADD COLUMN x int AFTER id;\n';

    // Act
    const { code, stdout } = await lint(
      ['-', '--engine', 'mysql', '--replication', 'binlog', '--format', 'github'],
      sql,
    );

    // Assess
    expect(code).toBe(1);
    expect(stdout).toMatch(/^::error file=<stdin>,line=2,title=G-COLUMN-POSITION \(REPL\)::/m);
  });
});

describe('switchyard lint (in process)', () => {
  it('allows DROP COLUMN in the contract phase with a warning', async () => {
    // Prepare
    const path = file('drop-contract.sql', 'ALTER TABLE orders DROP COLUMN legacy_status;\n');

    // Act
    const { code, stdout } = await runInProcess([path, '--phase', 'contract', '--squawk', 'off']);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('WARNING G-DROP-COLUMN');
  });

  it('prints the report as JSON', async () => {
    // Prepare
    const path = file('json.sql', 'CREATE INDEX CONCURRENTLY orders_state_idx ON orders (order_state_v2);\n');

    // Act
    const { code, stdout } = await runInProcess([path, '--format', 'json', '--squawk', 'off']);

    // Assess
    const report = JSON.parse(stdout) as { verdict: string; statements: number; squawk: string };
    expect(code).toBe(0);
    expect(report).toMatchObject({ verdict: 'warn', statements: 1, squawk: 'off' });
  });

  it('needs --approve-raw for unparseable SQL', async () => {
    // Prepare
    const path = file('raw.sql', 'DO $$ BEGIN PERFORM 1; END $$;\n');

    // Act
    const refused = await runInProcess([path, '--squawk', 'off']);
    vi.restoreAllMocks();
    const approved = await runInProcess([path, '--squawk', 'off', '--approve-raw']);

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('NEEDS APPROVAL G-RAW-SQL');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain('approved with --approve-raw');
  });
});
