/** MaintainGreen's Task input (ASL → handler), parsed at the handler boundary. */
import { z } from 'zod';
import { DatabaseRefSchema } from './contracts.ts';
import { GreenMaintenancePlanSchema, type GreenMaintenanceResult } from './green-maintenance.ts';
import type { InspectionReport } from './inspection/types.ts';

export const MaintainGreenInput = z.object({
  plan: GreenMaintenancePlanSchema,
  database: DatabaseRefSchema.optional(),
  greenInstanceId: z.string().min(1),
  /** Preflight's inspection report: its PG-MATERIALIZED-VIEWS finding names the views */
  inspection: z
    .custom<InspectionReport>((v) => typeof v === 'object')
    .nullable()
    .optional(),
  /** the previous round's result; `{ status: 'start' }` on the first */
  previous: z.custom<GreenMaintenanceResult | { status: 'start' }>(
    (v) => typeof v === 'object' && v !== null,
  ),
});
export type MaintainGreenInput = z.infer<typeof MaintainGreenInput>;
