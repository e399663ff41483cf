/** ValidateData's Task input (ASL → handler), parsed at the handler boundary. */
import { z } from 'zod';
import { DatabaseRefSchema } from '../contracts.ts';
import type { InspectionReport } from '../inspection/types.ts';
import type { ValidationResult } from './index.ts';

export const ValidationPlanSchema = z.object({
  mode: z.enum(['counts', 'checksums', 'off']),
  maxBytes: z.number().positive(),
  timeBudgetSeconds: z.number().positive(),
  chunkRows: z.number().int().positive(),
  rechecks: z.number().int().min(0),
});

export const ValidateDataInput = z.object({
  phase: z.enum(['before-approval', 'before-switch']),
  validation: ValidationPlanSchema,
  replication: z.enum(['physical', 'logical', 'binlog']),
  database: DatabaseRefSchema,
  greenInstanceId: z.string().min(1),
  /** Preflight's inspection report: the tables that cannot replicate are listed, not compared */
  inspection: z
    .custom<InspectionReport>((v) => typeof v === 'object')
    .nullable()
    .optional(),
  /** the previous round (status `recheck` carries the ranges to recheck); `{ status: 'start' }` first */
  previous: z.custom<ValidationResult | { status: 'start' }>((v) => typeof v === 'object' && v !== null),
});

const Count = z.number().min(0);

/** ValidateData's result (what the ASL selects and its Choice reads). */
export const ValidateDataOutput = z.looseObject({
  phase: z.enum(['before-approval', 'before-switch']),
  mode: z.enum(['counts', 'checksums', 'off']),
  status: z.enum(['passed', 'recheck', 'drift', 'incomplete', 'skipped']),
  summary: z.string(),
  tables: Count,
  rows: Count,
  bytes: Count,
  ranges: Count,
  rangesRechecked: Count,
  round: Count,
  sampled: z.string().nullable(),
  differences: z.array(z.looseObject({ table: z.string(), range: z.string() })),
  pending: z.array(z.looseObject({ table: z.string() })),
  notCompared: z.array(z.looseObject({ name: z.string(), why: z.string(), reconcile: z.string() })),
  durationMs: Count,
  checkedAt: z.string(),
});
