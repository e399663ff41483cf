/**
 * RDS for MySQL and MariaDB inspection rules (binlog replication to green). The rules and their facts
 * live in binlog-inspection.ts; here they join the engine-neutral table under their engines.
 */
import { BINLOG_INSPECTION_RULES, type BinlogCatalogFacts } from '../binlog-inspection.ts';
import type { InspectionRule } from './types.ts';

export type { BinlogCatalogFacts } from '../binlog-inspection.ts';

export const BINLOG_RULES: ReadonlyArray<InspectionRule<BinlogCatalogFacts>> = BINLOG_INSPECTION_RULES;
