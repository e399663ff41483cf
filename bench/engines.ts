/**
 * Engines side by side on the emulator (no state machine): for PostgreSQL (physical green, minor
 * version 17.10 → 17.11) and MariaDB (binlog GTID green from mariabackup, 10.11.19 → 10.11.20), in the
 * same run and alternating, with orders-db seeded at 1×/10×/100× rows:
 * - green build time: CreateBlueGreenDeployment → AVAILABLE (polled every 25 ms, task delays 0);
 * - the write stall at switchover: the longest gap between acknowledged INSERTs (4 clients × 50/s through
 *   the endpoint, reconnecting after errors) overlapping SwitchoverBlueGreenDeployment → COMPLETED;
 * - lost writes: acknowledged ids missing from the server behind orders-db at the end.
 */
import {
  CreateBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  RDSClient,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import { startEmulator } from '../emulator/index.ts';
import { mariadbAvailable } from '../emulator/mariadb/binaries.ts';
import { createWritesTable, longestAckGap, WriteLoad } from '../rehearsal/write-load.ts';
import { type Summary, summarize } from './stats.ts';

export type BenchEngine = 'postgres' | 'mariadb';

export interface EngineSample {
  engine: BenchEngine;
  rows: number;
  greenBuildMs: number;
  writeStallMs: number;
  /** The emulator's own switchover steps, block to unblock (its log line), without client reconnects. */
  serverStallMs: number | null;
  switchoverMs: number;
  clientErrors: number;
  acknowledged: number;
  lost: number;
}

export interface EngineBench {
  samples: EngineSample[];
  byEngine: Array<{
    engine: BenchEngine;
    writeStallMs: Summary;
    serverStallMs: Summary;
    lost: Summary;
    bySize: Array<{ rows: number; greenBuildMs: Summary }>;
  }>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const TARGET: Record<BenchEngine, string> = { postgres: '17.11', mariadb: '10.11.20' };

const waitFor = async (rds: RDSClient, id: string, status: string, timeoutMs: number): Promise<number> => {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const d = (await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id })))
      .BlueGreenDeployments?.[0];
    if (d?.Status === status) return Date.now();
    if (d?.Status === 'INVALID_CONFIGURATION' || d?.Status === 'SWITCHOVER_FAILED')
      throw new Error(`${id}: ${d.Status} ${d.StatusDetails ?? ''}`);
    await sleep(25);
  }
  throw new Error(`${id}: not ${status} after ${timeoutMs} ms`);
};

export const runEngineOnce = async (
  engine: BenchEngine,
  rows: number,
  log: (line: string) => void = () => {},
): Promise<EngineSample> => {
  let serverStallMs: number | null = null;
  const emu = await startEmulator({
    seedRows: rows,
    seedEngine: engine,
    delays: { taskMs: 0 },
    // The emulator's per-step switchover timings: what the stall is made of.
    log: (line) => {
      if (!line.startsWith('[switchover]') || !line.includes(' ms')) return;
      log(`    ${line}`);
      serverStallMs = [...line.matchAll(/\+(\d+) ms/g)].reduce((a, m) => a + Number(m[1]), 0);
    },
  });
  const load = new WriteLoad(emu.connectionConfig('orders-db'), {
    engine: engine === 'postgres' ? 'postgres' : 'mysql',
  });
  try {
    const rds = new RDSClient({
      region: 'us-east-1',
      endpoint: emu.url,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    const cfg = emu.connectionConfig('orders-db');
    await createWritesTable(cfg, engine === 'postgres' ? 'postgres' : 'mysql');
    load.start();
    await sleep(500);
    const t0 = Date.now();
    const out = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: `bench-${engine}`,
        Source: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
        TargetEngineVersion: TARGET[engine],
      }),
    );
    const id = out.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    const ready = await waitFor(rds, id, 'AVAILABLE', 300_000);
    await sleep(1000); // green catches up with the load that ran during the build
    const sw = Date.now();
    await rds.send(
      new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id, SwitchoverTimeout: 60 }),
    );
    const done = await waitFor(rds, id, 'SWITCHOVER_COMPLETED', 90_000);
    await sleep(500);
    await load.stop();
    const lost = await load.lostWrites(emu.connectionConfig('orders-db'));
    return {
      engine,
      rows,
      greenBuildMs: ready - t0,
      writeStallMs: longestAckGap(load.ackTimes, sw, done).ms,
      serverStallMs,
      switchoverMs: done - sw,
      clientErrors: load.errors.filter((e) => e.at >= sw && e.at <= done + 500).length,
      acknowledged: load.counts.acknowledged,
      lost: lost.length,
    };
  } finally {
    await load.stop();
    await emu.stop();
  }
};

export const benchEngines = async (
  sizes: number[],
  runs: number,
  log: (line: string) => void,
): Promise<EngineBench> => {
  const engines: BenchEngine[] = mariadbAvailable() ? ['postgres', 'mariadb'] : ['postgres'];
  if (engines.length === 1) log('  MariaDB is not installed: PostgreSQL only (see emulator/README.md)');
  const samples: EngineSample[] = [];
  for (let i = 0; i < runs; i++)
    for (const rows of sizes)
      for (const engine of engines) {
        const s = await runEngineOnce(engine, rows, log);
        samples.push(s);
        log(
          `  ${engine.padEnd(8)} ${String(rows).padStart(7)} rows: green ${s.greenBuildMs} ms; stall ${s.writeStallMs} ms (server ${s.serverStallMs ?? '–'} ms, switchover ${s.switchoverMs} ms), ${s.clientErrors} client errors, ${s.acknowledged} acked, ${s.lost} lost`,
        );
      }
  return {
    samples,
    byEngine: engines.map((engine) => {
      const mine = samples.filter((s) => s.engine === engine);
      return {
        engine,
        writeStallMs: summarize(mine.map((s) => s.writeStallMs)),
        serverStallMs: summarize(mine.map((s) => s.serverStallMs)),
        lost: summarize(mine.map((s) => s.lost)),
        bySize: sizes.map((rows) => ({
          rows,
          greenBuildMs: summarize(mine.filter((s) => s.rows === rows).map((s) => s.greenBuildMs)),
        })),
      };
    }),
  };
};
