/**
 * A physical streaming replica built online without pg_basebackup: replication slot,
 * low-level backup API, file copy, backup_label, standby.signal, then start with primary_conninfo.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { PgServer } from './server.ts';

/** Files and directory contents a base backup leaves out. */
const SKIP_CONTENTS = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_stat_tmp',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_subtrans',
]);
const SKIP_FILES = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'standby.signal',
  'recovery.signal',
  'backup_label',
  'tablespace_map',
]);

export const physicalSlotName = (greenServerId: string): string =>
  `bg_${greenServerId.replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);

/**
 * Copies `primary` into `targetDir` as a consistent base backup. With `slot`, a physical slot is created
 * first so the WAL the standby needs is kept. With `includeWal`, pg_wal is copied after the backup ends
 * (used for snapshots, which must be restorable on their own).
 */
export const baseBackup = async (
  primary: PgServer,
  targetDir: string,
  opts: { slot?: string; includeWal?: boolean } = {},
): Promise<void> => {
  if (opts.slot) await primary.query('SELECT pg_create_physical_replication_slot($1, true)', [opts.slot]);
  const src = primary.cfg.dir;
  const c = await primary.client();
  try {
    await c.query("SELECT pg_backup_start('switchyard', true)");
    await cp(src, targetDir, {
      recursive: true,
      filter: (from) => {
        const rel = relative(src, from);
        if (rel === '') return true;
        const parts = rel.split('/');
        if (parts.length === 1 && SKIP_FILES.has(rel)) return false;
        if (parts.length >= 2 && parts[0] && SKIP_CONTENTS.has(parts[0])) return false;
        return true;
      },
    });
    const stop = await c.query<{ labelfile: string; spcmapfile: string | null }>(
      'SELECT labelfile, spcmapfile FROM pg_backup_stop(false)',
    );
    const row = stop.rows[0];
    if (!row) throw new Error('pg_backup_stop returned nothing');
    await writeFile(join(targetDir, 'backup_label'), row.labelfile);
    if (row.spcmapfile) await writeFile(join(targetDir, 'tablespace_map'), row.spcmapfile);
    if (opts.includeWal) {
      await c.query('SELECT pg_switch_wal()');
      await cp(join(src, 'pg_wal'), join(targetDir, 'pg_wal'), { recursive: true });
    }
  } catch (e) {
    await c.query('SELECT pg_backup_stop(false)').catch(() => {});
    if (opts.slot) await primary.query('SELECT pg_drop_replication_slot($1)', [opts.slot]).catch(() => {});
    throw e;
  } finally {
    await c.end().catch(() => {});
  }
  for (const d of SKIP_CONTENTS) await mkdir(join(targetDir, d), { recursive: true });
  await mkdir(join(targetDir, 'pg_wal', 'archive_status'), { recursive: true });
};

export const makeStandby = async (targetDir: string): Promise<void> => {
  await writeFile(join(targetDir, 'standby.signal'), '');
};

/** Replay lag of a physical standby, the analogue of RDS `ReplicaLag` (seconds) on green. */
export const physicalLag = async (
  primary: PgServer,
  standby: PgServer,
): Promise<{ seconds: number; bytes: number }> => {
  const [p] = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const [s] = await standby.query<{ replay: string | null; paused: boolean; age: number | null; up: number }>(
    `SELECT pg_last_wal_replay_lsn()::text AS replay, pg_is_wal_replay_paused() AS paused,
            extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS age,
            extract(epoch FROM now() - pg_postmaster_start_time())::float8 AS up`,
  );
  if (!p || !s) return { seconds: 0, bytes: 0 };
  const [d] = await standby.query<{ bytes: string }>(
    'SELECT greatest(0, pg_wal_lsn_diff($1::pg_lsn, coalesce($2::pg_lsn, $3::pg_lsn)))::text AS bytes',
    [p.lsn, s.replay, '0/0'],
  );
  const bytes = Number(d?.bytes ?? 0);
  if (bytes === 0) return { seconds: 0, bytes: 0 };
  return { seconds: Math.max(0, s.age ?? s.up), bytes };
};
