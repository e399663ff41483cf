/**
 * The live view of `switchyard rehearse`: one line per state entered (with the elapsed time), the
 * approval links when they arrive, and on a terminal a status line redrawn in place with the current
 * state, elapsed time, the last lag read, the write rate and the write errors.
 */
import type { LiveStatus, RehearsalEvent } from './rehearse.ts';

export interface ProgressView {
  onEvent(event: RehearsalEvent): void;
  onLive(status: () => LiveStatus): void;
  /** Clears the status line and stops redrawing. */
  stop(): void;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

const lagText = (s: LiveStatus['lag']): string => {
  if (!s) return 'lag –';
  if (s.value == null) return 'lag no data';
  const v =
    s.unit === 'bytes'
      ? s.value < 1024
        ? `${s.value} B`
        : `${(s.value / 1024).toFixed(1)} KiB`
      : `${s.value} s`;
  return `lag ${v}${s.withinThreshold ? '' : ' (over threshold)'}`;
};

/** The status line: state, elapsed, lag, write rate, errors. */
export const statusLine = (s: LiveStatus, now = Date.now()): string =>
  [
    seconds(now - s.startedAt).padStart(6),
    `${s.state ?? 'starting'} (${seconds(now - s.stateSince)})`.padEnd(34),
    lagText(s.lag).padEnd(18),
    s.writing ? `writes ${Math.round(s.writeRate)}/s` : 'writes stopped',
    `${s.writes.acknowledged} ok`,
    `${s.writes.failed} failed`,
    `${s.writes.clientErrors} client errors`,
  ].join('  ');

export const createProgressView = (
  stream: NodeJS.WriteStream = process.stderr,
  options: { interactive?: boolean } = {},
): ProgressView => {
  const interactive = options.interactive ?? !!stream.isTTY;
  let status: (() => LiveStatus) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let drawn = false;
  let stopped = false;
  const startedAt = Date.now();

  const clear = () => {
    if (interactive && drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  const draw = () => {
    if (!interactive || !status) return;
    const line = statusLine(status());
    const width = stream.columns ?? 120;
    stream.write(`\r\x1b[2K${line.length > width - 1 ? line.slice(0, width - 1) : line}`);
    drawn = true;
  };
  const print = (text: string) => {
    clear();
    stream.write(`${text}\n`);
    draw();
  };
  const elapsed = (at: number) => `+${seconds(at - (status?.().startedAt ?? startedAt))}`.padStart(8);

  return {
    onLive(fn) {
      status = fn;
      if (interactive) {
        timer = setInterval(draw, 200);
        timer.unref();
      }
    },
    onEvent(e) {
      if (stopped) return;
      switch (e.type) {
        case 'phase':
          print(`${elapsed(e.at)}  ${e.message}`);
          break;
        case 'fault':
          print(`${elapsed(e.at)}  fault: ${e.message}`);
          break;
        case 'state': {
          // Without a terminal, each state line carries the numbers the status line would show.
          const extra =
            !interactive && status
              ? `   [${statusLine(status(), e.at)
                  .trim()
                  .split(/\s{2,}/)
                  .slice(2)
                  .join(', ')}]`
              : '';
          print(`${elapsed(e.at)}  ${e.state}${extra}`);
          break;
        }
        case 'retry':
          print(`${elapsed(e.at)}  retry ${e.state}${e.error ? ` after ${e.error}` : ''}`);
          break;
        case 'lag':
          break; // shown in the status line / next state line
        case 'approval-links': {
          const who =
            e.action === 'human'
              ? 'Waiting for a person: open one link in a browser and confirm on the page.'
              : e.action === 'ignore'
                ? 'Nobody will answer (this scenario lets the approval time out).'
                : `The rehearsal will ${e.action} through the link (as a person would: open it, confirm on the page).`;
          print(
            [
              `${elapsed(e.at)}  approval requested (e-mail via SNS: "${e.links.subject ?? ''}")`,
              `          approve: ${e.links.approve}`,
              `          reject:  ${e.links.reject}`,
              `          ${who}`,
            ].join('\n'),
          );
          break;
        }
        case 'approval-clicked':
          print(`${elapsed(e.at)}  approval link: ${e.decision} → ${e.status} "${e.title}"`);
          break;
      }
    },
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      clear();
    },
  };
};
