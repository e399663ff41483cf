/** Deterministic names: a retried handler finds what an earlier attempt created instead of creating twice. */
import { createHash } from 'node:crypto';

/** Tag keys Switchyard puts on what it creates or keeps. */
export const TAGS = {
  execution: 'switchyard:execution',
  release: 'switchyard:release',
  retainUntil: 'switchyard:retain-until',
  role: 'switchyard:role',
  /** on an old blue: the instance name it was retained for */
  source: 'switchyard:source',
  /** set by `switchyard hold`: no deletion of anything carrying it (value: who held it and when) */
  hold: 'switchyard:hold',
  /** on a MySQL-family instance whose group's read_only a fail-back changed: the value to restore */
  readOnlyBefore: 'switchyard:read-only-before',
} as const;

const shortHash = (text: string, length = 10): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/** The Blue/Green deployment name for one execution on one source (≤ 60 chars, RDS name pattern). */
export const deploymentNameFor = (sourceId: string, executionId: string): string =>
  `sy-${sourceId.slice(0, 44).replace(/-+$/, '')}-${shortHash(executionId)}`;

/** The final snapshot of old blue taken by this execution's cleanup. */
export const finalSnapshotNameFor = (oldBlueId: string, executionId: string): string =>
  `sy-final-${oldBlueId.slice(0, 200).replace(/-+$/, '')}-${shortHash(executionId)}`;
