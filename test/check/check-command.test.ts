/**
 * `switchyard check` as a user runs it: the CLI in its own process, the real SDK and SSM against the
 * emulator, blue a real PostgreSQL server. It lists every hazard with the fix and exits 1; after the
 * fixes it exits 0; json and github formats; usage and input errors exit 2; and it changes nothing
 * (blue's catalog and the AWS CLI's view of deployments and instances are the same before and after).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as checkCommand } from '../../bin/commands/check.ts';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { aws, credentials, query, stopAndCheck } from '../emulator/helpers.ts';

vi.setConfig({ testTimeout: 120_000 });

const PASSWORD_PARAMETER = '/orders-db/master-password';
let emu: Emulator;
let dir: string;
let inputFile: string;

const input = (extra: Record<string, unknown> = {}) => ({
  source: { dbInstanceIdentifier: 'orders-db' },
  target: { engineVersion: '18.4', dbParameterGroupName: 'orders-pg18' },
  approval: { required: true, approvers: ['dba@example.com'] },
  database: { name: 'postgres', user: 'postgres', passwordParameter: PASSWORD_PARAMETER },
  ...extra,
});
const writeInput = (name: string, doc: unknown): string => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
};

/** Runs `node bin/switchyard.mjs check …` with the emulator's endpoint, as a user's shell would. */
const cli = (
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/switchyard.mjs', 'check', ...args],
      {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: emu.url,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'fake',
          AWS_SECRET_ACCESS_KEY: 'fake',
          // The emulator's CA, added to the Amazon RDS ones, as the README tells a user to do.
          SWITCHYARD_DB_EXTRA_CA_FILE: emu.caFile,
          ...env,
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

const blueSql = (sql: string) => query(emu.connectionConfig('orders-db'), sql);

/** What a write would change: relations, large objects, publications, slots, subscriptions, settings per role/db. */
const catalogFingerprint = async (): Promise<unknown> =>
  (
    await blueSql(`SELECT md5(string_agg(x, ',' ORDER BY x)) AS h, count(*)::int AS n FROM (
       SELECT relname::text || relkind::text || relpersistence::text || relreplident::text AS x FROM pg_class
       UNION ALL SELECT 'lo' || oid FROM pg_largeobject_metadata
       UNION ALL SELECT 'pub' || pubname FROM pg_publication
       UNION ALL SELECT 'slot' || slot_name FROM pg_replication_slots
       UNION ALL SELECT 'sub' || subname FROM pg_subscription
       UNION ALL SELECT 'cfg' || array_to_string(setconfig, ';') FROM pg_db_role_setting) s`)
  )[0];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-check-'));
  emu = await startEmulator({ seedRows: 50, delays: { taskMs: 100 } });
  const c = emu.connectionConfig('orders-db');
  const ssm = new SSMClient({ region: 'us-east-1', endpoint: emu.url, credentials });
  await ssm.send(
    new PutParameterCommand({ Name: PASSWORD_PARAMETER, Type: 'SecureString', Value: c.password }),
  );
  inputFile = writeInput('input.json', input());
});
afterAll(async () => {
  if (emu) await stopAndCheck(emu);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('switchyard check against the emulator', () => {
  it('names every hazard by schema-qualified name with its fix, exits 1, and changes nothing', async () => {
    // Prepare: the four hazards of the schema-hazards scenario
    await blueSql(`CREATE SCHEMA shop;
      CREATE TABLE shop.events (at timestamptz, body text);
      INSERT INTO shop.events SELECT now(), 'e' FROM generate_series(1, 100);
      SELECT lo_from_bytea(0, 'invoice');
      CREATE UNLOGGED TABLE shop.sessions (id int PRIMARY KEY);
      CREATE MATERIALIZED VIEW shop.event_count AS SELECT count(*) FROM shop.events;`);
    const before = {
      catalog: await catalogFingerprint(),
      deployments: (await aws(emu, ['rds', 'describe-blue-green-deployments'])).json,
      instances: (await aws(emu, ['rds', 'describe-db-instances'])).json.DBInstances.map(
        (i: { DBInstanceIdentifier: string; DBInstanceStatus: string }) =>
          `${i.DBInstanceIdentifier} ${i.DBInstanceStatus}`,
      ),
    };
    // Act
    const r = await cli(['--input', inputFile]);
    // Assess
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Preflight would refuse: 3 problem(s)');
    expect(r.stdout).toContain('REFUSE [PG-NO-REPLICA-IDENTITY]');
    expect(r.stdout).toContain('shop.events (≈');
    expect(r.stdout).toContain('fix: ALTER TABLE "shop"."events" REPLICA IDENTITY FULL;');
    expect(r.stdout).toContain('REFUSE [PG-LARGE-OBJECTS]');
    expect(r.stdout).toContain('REFUSE [PG-UNLOGGED-TABLES]');
    expect(r.stdout).toContain('fix: ALTER TABLE "shop"."sessions" SET LOGGED;');
    expect(r.stdout).toContain('WARN [PG-MATERIALIZED-VIEWS]');
    expect(r.stdout).toContain('fix: REFRESH MATERIALIZED VIEW "shop"."event_count";');
    expect(r.stdout).toContain('Result: refused, 3 problem(s)');
    expect(await catalogFingerprint()).toEqual(before.catalog);
    expect((await aws(emu, ['rds', 'describe-blue-green-deployments'])).json).toEqual(before.deployments);
    expect(before.deployments).toEqual({ BlueGreenDeployments: [] });
    expect(
      (await aws(emu, ['rds', 'describe-db-instances'])).json.DBInstances.map(
        (i: { DBInstanceIdentifier: string; DBInstanceStatus: string }) =>
          `${i.DBInstanceIdentifier} ${i.DBInstanceStatus}`,
      ),
    ).toEqual(before.instances);
  });

  it('prints json and github annotations with the same findings', async () => {
    const json = await cli(['--input', inputFile, '--format', 'json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.verdict).toBe('refused');
    expect(report.database.findings.map((f: { rule: string }) => f.rule)).toEqual(
      expect.arrayContaining([
        'PG-NO-REPLICA-IDENTITY',
        'PG-LARGE-OBJECTS',
        'PG-UNLOGGED-TABLES',
        'PG-MATERIALIZED-VIEWS',
      ]),
    );
    const github = await cli(['--input', inputFile, '--format', 'github']);
    expect(github.code).toBe(1);
    expect(github.stdout).toMatch(/^::error title=PG-NO-REPLICA-IDENTITY /m);
    expect(github.stdout).toMatch(/^::warning title=PG-MATERIALIZED-VIEWS /m);
  });

  it('accepts waivers (and reports them) but not for a rule that cannot be waived', async () => {
    const waived = writeInput(
      'waived.json',
      input({
        waivers: [
          { rule: 'PG-LARGE-OBJECTS', reason: 'invoice archive, copied separately', by: 'dba@example.com' },
          { rule: 'PG-UNLOGGED-TABLES', reason: 'sessions are disposable', by: 'dba@example.com' },
        ],
      }),
    );
    const r = await cli(['--input', waived]);
    expect(r.code).toBe(1); // the PK-less table still refuses
    expect(r.stdout).toContain('Preflight would refuse: 1 problem(s)');
    expect(r.stdout).toContain('WAIVED by dba@example.com: sessions are disposable [PG-UNLOGGED-TABLES]');
    const unwaivable = writeInput(
      'unwaivable.json',
      input({ waivers: [{ rule: 'PG-NO-REPLICA-IDENTITY', reason: 'please', by: 'dev@example.com' }] }),
    );
    const refused = await cli(['--input', unwaivable]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('waivers[0].rule: PG-NO-REPLICA-IDENTITY');
    expect(refused.stderr).toContain('cannot be waived');
  });

  it('reaches blue through --host/--port and reports an unreachable one', async () => {
    const r = await cli(['--input', inputFile, '--host', '127.0.0.1', '--port', '1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('connect ECONNREFUSED 127.0.0.1:1 (through --host/--port 127.0.0.1:1)');
  });

  it('exits 0 once the hazards are fixed (warnings allowed)', async () => {
    await blueSql(`ALTER TABLE shop.events ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
      SELECT lo_unlink(oid) FROM pg_largeobject_metadata;
      ALTER TABLE shop.sessions SET LOGGED;`);
    const r = await cli(['--input', inputFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('WARN [PG-MATERIALIZED-VIEWS]');
    expect(r.stdout).toMatch(/Result: passed with \d warning\(s\)\. Nothing was created or changed\./);
  });

  it('refuses a hook the deploy config does not declare, and passes once switchyard.hooks.yml declares it', async () => {
    const withHook = writeInput(
      'with-hook.json',
      input({ hooks: { greenReady: { name: 'suite', lambda: { functionName: 'orders-green-tests' } } } }),
    );
    const refused = await cli(['--input', withHook], { SWITCHYARD_HOOKS_CONFIG: join(dir, 'absent.yml') });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      'hooks.greenReady[0].lambda: greenReady[0] suite (lambda orders-green-tests) was not declared at deploy time',
    );
    const config = join(dir, 'switchyard.hooks.yml');
    writeFileSync(config, 'hooks:\n  lambdaFunctions: [orders-green-tests]\n');
    const passed = await cli(['--input', withHook], { SWITCHYARD_HOOKS_CONFIG: config });
    expect(passed.code).toBe(0);
  });
});

describe('switchyard check: usage and input errors exit 2', () => {
  const quiet = () => {
    const out: string[] = [];
    const spies = [
      vi.spyOn(console, 'error').mockImplementation((m: string) => out.push(m)),
      vi.spyOn(console, 'log').mockImplementation((m: string) => out.push(m)),
    ];
    return {
      out,
      restore: () => {
        for (const s of spies) s.mockRestore();
      },
    };
  };

  it.each([
    [[], '--input FILE is required'],
    [['--input'], '--input needs a value'],
    [['--input', 'x.json', '--format', 'xml'], '--format must be one of text, json, github'],
    [['--input', 'x.json', '--port', 'http'], '--port must be a TCP port'],
    [['--input', 'x.json', '--bogus', '1'], 'unknown option --bogus'],
    [['--input', '/nonexistent/input.json'], 'cannot read /nonexistent/input.json as JSON: ENOENT'],
  ])('%j', async (argv, message) => {
    const q = quiet();
    try {
      expect(await checkCommand(argv as string[])).toBe(2);
      expect(q.out.join('\n')).toContain(message);
    } finally {
      q.restore();
    }
  });

  it('lists every input problem, naming the field, and touches nothing', async () => {
    const file = writeInput('bad.json', {
      source: { dbInstanceIdentifier: 'orders-db' },
      target: {},
      waivers: [{ rule: 'PG-NOPE', reason: 'x', by: 'y' }],
    });
    const q = quiet();
    try {
      expect(await checkCommand(['--input', file])).toBe(2);
      const text = q.out.join('\n');
      expect(text).toContain('target: set at least one of engineVersion');
      expect(text).toContain('waivers[0].rule: unknown rule "PG-NOPE"');
    } finally {
      q.restore();
    }
  });
});
