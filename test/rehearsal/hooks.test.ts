/**
 * Hooks as local commands in the rehearsal (issue 13): the hook-fails scenario end to end (a greenReady
 * suite exits 1: rolled back, the hook named, nobody asked to approve), and the command runner on its own:
 * the facts as environment variables, a non-zero exit, and a timeout that kills the whole process group.
 * (The happy rehearsal's sample suite, examples/hooks/green-suite.mjs, is checked in switch.test.ts.)
 */
import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  commandEnvironment,
  commandHooksInput,
  parseHookFlag,
  runCommand,
  splitCommandHooks,
} from '../../rehearsal/command-hooks.ts';
import { renderHtmlReport } from '../../rehearsal/html-report.ts';
import { expectCleanEnd, expectCompensated, runScenario } from './support.ts';

/** Running (a zombie waiting for its new parent to reap it counts as ended). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

describe('rehearsal command hooks', () => {
  it('rolls back when the greenReady suite exits 1, naming the hook, with nobody asked to approve', async () => {
    const report = await runScenario('hook-fails');
    expectCleanEnd(report);
    expectCompensated(report);
    expect(report.states).not.toContain('RequestApproval');
    expect(report.hooks).toEqual([
      expect.objectContaining({ name: 'green-suite', point: 'greenReady', outcome: 'failed', next: 'abort' }),
    ]);
    expect(report.hooks?.[0]?.summary).toContain('exited 1: green-suite: 1 of 3 checks failed');
    expect(report.cause).toContain('hook greenReady[0] green-suite');
    // The HTML report lists it (test/rehearsal/own-schema.test.ts checks the section in Chromium).
    const html = renderHtmlReport(report);
    expect(html).toMatch(
      /<tr data-hook="green-suite"><td>greenReady<\/td><td>greenReady\[0\] green-suite \([^)]*\)<\/td><td class="bad">failed \(onFailure abort: the run stopped\)<\/td><td>\d+\.\d s, 1 attempt\(s\)<\/td><td><pre class="hook-output">[^<]*exited 1: green-suite: 1 of 3 checks failed/,
    );
  }, 240_000);

  it('gives the command the facts: libpq variables for green with verify-full TLS, and engine-neutral names', () => {
    const env = commandEnvironment(
      {
        point: 'greenReady',
        executionId: 'arn:aws:states:us-east-1:123456789012:execution:x:1',
        release: 'v42',
        engine: 'postgres',
        green: { instanceId: 'orders-db-green-1', host: 'h', port: 1, engineVersion: '18.4' },
        blue: { instanceId: 'orders-db', host: 'h', port: 2, engineVersion: '17.10' },
        environment: [
          { Name: 'SWITCHYARD_RELEASE', Value: 'v42' },
          { Name: 'SWITCHYARD_GREEN_HOST', Value: 'h' },
        ],
      },
      { host: '127.0.0.1', port: 40001, user: 'postgres', password: 'pw', database: 'postgres' },
      { host: '127.0.0.1', port: 40002, user: 'postgres', password: 'pw', database: 'postgres' },
      '/tmp/ca.pem',
    );
    expect(env).toMatchObject({
      PGHOST: '127.0.0.1',
      PGPORT: '40001',
      PGDATABASE: 'postgres',
      PGUSER: 'postgres',
      PGPASSWORD: 'pw',
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: '/tmp/ca.pem',
      SWITCHYARD_GREEN_HOST: '127.0.0.1',
      SWITCHYARD_GREEN_PORT: '40001',
      SWITCHYARD_BLUE_PORT: '40002',
      SWITCHYARD_RELEASE: 'v42',
    });
  });

  it('passes the environment to the command and reports a non-zero exit with its output', async () => {
    await expect(
      runCommand('echo "$SWITCHYARD_HOOK_POINT"', { SWITCHYARD_HOOK_POINT: 'beforeSwitch' }, 10),
    ).resolves.toMatchObject({
      output: 'beforeSwitch',
    });
    await expect(runCommand('echo broken >&2; exit 3', {}, 10)).rejects.toThrow(/exited 3: broken/);
  });

  it('kills the whole process group at the timeout, children included', async () => {
    const pidFile = `/tmp/switchyard-hook-test-${process.pid}`;
    const started = Date.now();
    await expect(runCommand(`sleep 30 & echo $! > ${pidFile}; sleep 30`, {}, 1)).rejects.toThrow(
      /ran past 1 s; its process group was killed/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    const child = Number(readFileSync(pidFile, 'utf8'));
    rmSync(pidFile);
    // The background sleep was in the group: it is gone too (give the kernel a moment to reap it).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive(child)).toBe(false);
  });

  it('reads --hook flags and the rehearsal input, refusing what cannot run locally', () => {
    expect(parseHookFlag('greenReady=npm run my-tests', 0)).toEqual({
      point: 'greenReady',
      name: 'greenReady-1',
      command: 'npm run my-tests',
    });
    expect(() => parseHookFlag('duringBake=x', 0)).toThrow(/<point> one of beforeCreate/);
    const split = splitCommandHooks({
      source: {},
      hooks: { afterSwitch: { name: 'c', command: 'true', onFailure: 'warn' } },
    });
    expect(split.document).toEqual({ source: {} });
    expect(split.hooks).toEqual([{ point: 'afterSwitch', name: 'c', command: 'true', onFailure: 'warn' }]);
    expect(() =>
      splitCommandHooks({ hooks: { greenReady: { name: 'l', lambda: { functionName: 'f' } } } }),
    ).toThrow(/hooks\.greenReady\[0\]: the rehearsal runs hooks as local commands/);
    const mapped = commandHooksInput(split.hooks);
    expect(mapped.hooks).toEqual({
      afterSwitch: [
        { name: 'c', lambda: { functionName: 'switchyard-rehearsal-hook-c' }, onFailure: 'warn' },
      ],
    });
    expect(mapped.declared.lambdaFunctions).toEqual(['switchyard-rehearsal-hook-c']);
  });
});
