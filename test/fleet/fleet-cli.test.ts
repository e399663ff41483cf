/** `switchyard fleet start` refuses a bad fleet document locally, naming the database and field, before any AWS call. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { baseInput } from '../support/run-path.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-fleet-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = async (args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['bin/switchyard.mjs', ...args], {
      // Unreachable endpoint: a call to AWS would fail loudly instead of reaching anything.
      env: { ...process.env, AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('switchyard fleet', () => {
  it('start: refuses a fleet with one bad database before starting anything', async () => {
    const { source: _s, ...template } = baseInput();
    const file = join(dir, 'fleet.json');
    writeFileSync(
      file,
      JSON.stringify({
        databases: ['a-db', { id: 'b-db', overrides: { green: { pollSeconds: 0 } } }],
        template,
        waves: { size: 1 },
      }),
    );
    const out = await cli([
      'fleet',
      'start',
      '--input',
      file,
      '--state-machine',
      'arn:aws:states:us-east-1:1:stateMachine:f',
    ]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('is not a valid fleet document');
    expect(out.stderr).toContain('databases[1] (b-db).green.pollSeconds');
  }, 60_000);

  it('prints its usage for an unknown subcommand or missing arguments', async () => {
    expect((await cli(['fleet', 'launch'])).code).toBe(2);
    const status = await cli(['fleet', 'status']);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('usage: switchyard fleet status');
  }, 60_000);
});

describe('switchyard rehearse --fleet arguments', () => {
  it('defaults to 3 databases, reads N, --fleet-fail, the npm form, and refuses what does not apply', async () => {
    const { parseFleetArgs } = await import('../../bin/commands/rehearse-fleet.ts');
    expect(parseFleetArgs(['--scenario', 'happy'], {})).toBeNull();
    expect(parseFleetArgs(['--fleet', '--auto-approve'], {})).toMatchObject({ count: 3, autoApprove: true });
    expect(parseFleetArgs(['--fleet', '4', '--fleet-fail', '3'], {})).toMatchObject({
      count: 4,
      failIndex: 3,
    });
    expect(parseFleetArgs(['--fleet=2'], {})).toMatchObject({ count: 2, failIndex: undefined });
    expect(parseFleetArgs([], { npm_config_fleet: '3', npm_config_fleet_fail: '2' })).toMatchObject({
      count: 3,
      failIndex: 2,
    });
    expect(parseFleetArgs(['--fleet', '3', '--fleet-fail', '1'], {})).toContain('1 is the canary');
    expect(parseFleetArgs(['--fleet', '9'], {})).toContain('1 to 8');
    expect(parseFleetArgs(['--fleet', '--engine', 'mariadb'], {})).toContain('does not take --engine');
  });
});
