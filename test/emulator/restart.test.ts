/**
 * Persistence: the same data dir restores instances (same endpoint ports), deployments and replication;
 * the command runs, prints how to connect, stops every server on SIGTERM, and a crashed run's
 * postmasters are taken over by the next start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBInstancesCommand,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import { afterAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { isAlive, query, rdsClient, stopAndCheck, waitUntil } from './helpers.ts';

const dirs: string[] = [];
const running: Emulator[] = [];
const children: ChildProcess[] = [];
const newDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'switchyard-restart-'));
  chmodSync(d, 0o755);
  dirs.push(d);
  return d;
};
const start = async (dataDir: string, seedRows = 30): Promise<Emulator> => {
  const e = await startEmulator({ dataDir, seedRows });
  running.push(e);
  return e;
};

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.pid) c.kill('SIGKILL');
  for (const e of running) await e.stop().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const status = async (emu: Emulator, id: string) =>
  (await rdsClient(emu).send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id })))
    .BlueGreenDeployments?.[0];

describe('restart from the same data dir', () => {
  it('restores instances on the same endpoint ports, the deployment and its replication', async () => {
    const dir = newDir();
    const a = await start(dir);
    const rds = rdsClient(a);
    const c = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'persist',
        Source: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
        Tags: [{ Key: 't', Value: '1' }],
      }),
    );
    const id = c.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    const ready = await waitUntil('AVAILABLE', async () =>
      (await status(a, id))?.Status === 'AVAILABLE' ? status(a, id) : undefined,
    );
    const greenId = ready?.Target?.split(':db:')[1] as string;
    const ports = { blue: a.endpoint('orders-db')?.port, green: a.endpoint(greenId)?.port };
    const password = a.masterPassword;
    await stopAndCheck(a);

    const b = await start(dir);
    expect(b.masterPassword).toBe(password);
    expect(b.endpoint('orders-db')?.port).toBe(ports.blue);
    expect(b.endpoint(greenId)?.port).toBe(ports.green);
    const after = await status(b, id);
    expect(after).toMatchObject({ Status: 'AVAILABLE', TagList: [{ Key: 't', Value: '1' }] });
    // Seeded once per data dir.
    expect(
      (await query<{ n: string }>(b.connectionConfig('orders-db'), 'SELECT count(*) AS n FROM orders'))[0]?.n,
    ).toBe('30');
    await query(
      b.connectionConfig('orders-db'),
      "INSERT INTO orders (customer_id, status, amount_cents) VALUES (1, 'after-restart', 1)",
    );
    await waitUntil(
      'replicated after restart',
      async () =>
        (await query(b.connectionConfig(greenId), "SELECT 1 FROM orders WHERE status = 'after-restart'"))
          .length === 1,
    );
    await rdsClient(b).send(new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }));
    await waitUntil(
      'SWITCHOVER_COMPLETED',
      async () => (await status(b, id))?.Status === 'SWITCHOVER_COMPLETED',
    );
    await stopAndCheck(b);

    const c3 = await start(dir);
    const names = (await rdsClient(c3).send(new DescribeDBInstancesCommand({}))).DBInstances?.map((i) => [
      i.DBInstanceIdentifier,
      i.Endpoint?.Port,
    ]);
    expect(names).toContainEqual(['orders-db', ports.blue]);
    await expect(
      query(
        c3.connectionConfig('orders-db-old1'),
        "INSERT INTO orders (customer_id, status, amount_cents) VALUES (1, 'x', 1)",
      ),
    ).rejects.toThrow(/read-only/);
    expect(
      (
        await query<{ n: string }>(
          c3.connectionConfig('orders-db'),
          "SELECT count(*) AS n FROM orders WHERE status = 'after-restart'",
        )
      )[0]?.n,
    ).toBe('1');
    await stopAndCheck(c3);
  });
});

/** Runs the real command and resolves once it printed its banner. */
const runCommand = (dataDir: string): Promise<{ child: ChildProcess; out: () => string; url: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        'bin/switchyard.mjs',
        'emulator',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--seed-rows',
        '5',
        '--task-delay-ms',
        '0',
      ],
      {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    children.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`command did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const url = /API endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url && out.includes('Ctrl-C stops')) {
        clearTimeout(timer);
        resolve({ child, out: () => out, url });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`command exited ${code}:\n${out}`)));
  });

const statePids = async (url: string): Promise<number[]> => {
  const s = (await (await fetch(`${url}/_switchyard/state`)).json()) as {
    instances: Array<{ server?: { pid?: number } }>;
  };
  return s.instances.map((i) => i.server?.pid).filter((p): p is number => typeof p === 'number');
};

describe('switchyard emulator (command)', () => {
  it('prints the endpoints and client settings, and SIGTERM stops every PostgreSQL server', async () => {
    const dir = newDir();
    const { child, out, url } = await runCommand(dir);
    expect(out()).toMatch(/orders-db\s+127\.0\.0\.1:\d+ {3}user postgres/);
    expect(out()).toContain(`aws rds describe-db-instances --endpoint-url ${url}`);
    expect(out()).toContain(`export AWS_ENDPOINT_URL=${url}`);
    const pids = await statePids(url);
    expect(pids.length).toBe(1);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('a crashed run whose watcher died too leaves its postmasters; the next start stops them and carries on', async () => {
    const dir = newDir();
    const { child, url } = await runCommand(dir);
    const pids = await statePids(url);
    // The run's watcher (emulator/lifecycle.ts) would stop them itself (test/emulator/orphans.test.ts):
    // kill it first, as a machine-wide kill would.
    const runs = join(tmpdir(), 'switchyard-runs');
    const runFile = join(runs, readdirSync(runs).find((f) => f.startsWith(`${child.pid}-`)) ?? 'missing');
    const watcher = readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .find((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8')
            .split('\0')
            .join(' ')
            .includes(`watch ${runFile}`);
        } catch {
          return false;
        }
      });
    expect(watcher).toBeDefined();
    process.kill(Number(watcher), 'SIGKILL');
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
    expect(pids.every(isAlive)).toBe(true); // PostgreSQL survives a SIGKILLed emulator
    const emu = await start(dir);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(
      (await query<{ n: string }>(emu.connectionConfig('orders-db'), 'SELECT count(*) AS n FROM orders'))[0]
        ?.n,
    ).toBe('5');
    await stopAndCheck(emu);
  });
});
