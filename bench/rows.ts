/**
 * How the rehearsal's time grows with the seeded data: the happy path with 1×, 10× and 100× (and
 * optionally 1000×) the default 1,000 rows in orders-db. The logical initial copy is timed from the
 * emulator's "subscription created" log line to RDS-EVENT-0244 (green AVAILABLE), which includes a
 * few tens of ms of polling and bookkeeping: the throughput is a lower bound.
 */
import { rehearse } from '../rehearsal/index.ts';
import { type Summary, summarize } from './stats.ts';

export interface RowsSample {
  rows: number;
  durationMs: number;
  ordersTableBytes: number | null;
  ordersTotalBytes: number | null;
  /** CreateGreen entered → RDS-EVENT-0244. */
  greenBuildMs: number | null;
  /** subscription created → RDS-EVENT-0244. */
  initialCopyMs: number | null;
  copyMBps: number | null;
  lost: number;
  outcome: string;
}

export interface RowsBench {
  samples: RowsSample[];
  bySize: Array<{
    rows: number;
    durationMs: Summary;
    greenBuildMs: Summary;
    initialCopyMs: Summary;
    copyMBps: Summary;
    ordersTableBytes: number | null;
  }>;
}

export const benchRows = async (
  sizes: number[],
  runs: number,
  log: (line: string) => void,
): Promise<RowsBench> => {
  const samples: RowsSample[] = [];
  for (const rows of sizes) {
    for (let i = 0; i < runs; i++) {
      const t0 = Date.now();
      let subscribedAt: number | undefined;
      let availableAt: number | undefined;
      const r = await rehearse({
        scenario: 'happy',
        autoApprove: true,
        seedRows: rows,
        log: (line) => {
          if (subscribedAt === undefined && /^\[logical\] .*subscription .* created/.test(line))
            subscribedAt = Date.now();
          if (availableAt === undefined && line.includes('RDS-EVENT-0244')) availableAt = Date.now();
        },
      });
      const created = r.timeline.states.find((s) => s.state === 'CreateGreen')?.atMs;
      const ready = r.timeline.rdsEvents.find((e) => e.eventId === 'RDS-EVENT-0244')?.atMs;
      const initialCopyMs =
        subscribedAt !== undefined && availableAt !== undefined ? availableAt - subscribedAt : null;
      const s: RowsSample = {
        rows,
        durationMs: r.durationMs,
        ordersTableBytes: r.source.ordersTableBytes,
        ordersTotalBytes: r.source.ordersTotalBytes,
        greenBuildMs: created !== undefined && ready !== undefined ? ready - created : null,
        initialCopyMs,
        copyMBps:
          initialCopyMs && r.source.ordersTableBytes
            ? r.source.ordersTableBytes / 1e6 / (initialCopyMs / 1000)
            : null,
        lost: r.writes.lost,
        outcome: r.outcome,
      };
      samples.push(s);
      log(
        `  rows ${rows} run ${i + 1}/${runs}: ${r.outcome} in ${(s.durationMs / 1000).toFixed(1)} s (wall ${((Date.now() - t0) / 1000).toFixed(1)} s); orders ${((s.ordersTableBytes ?? 0) / 1e6).toFixed(1)} MB, green built in ${s.greenBuildMs} ms, copy ${s.initialCopyMs} ms (${s.copyMBps?.toFixed(1)} MB/s), ${s.lost} lost`,
      );
    }
  }
  return {
    samples,
    bySize: sizes.map((rows) => {
      const xs = samples.filter((s) => s.rows === rows);
      return {
        rows,
        durationMs: summarize(xs.map((x) => x.durationMs)),
        greenBuildMs: summarize(xs.map((x) => x.greenBuildMs)),
        initialCopyMs: summarize(xs.map((x) => x.initialCopyMs)),
        copyMBps: summarize(xs.map((x) => x.copyMBps)),
        ordersTableBytes: xs[0]?.ordersTableBytes ?? null,
      };
    }),
  };
};
