/** Engine lookup: which implementation serves a server record or an instance. */
import type { InstanceRecord, ServerRecord } from '../rds/model.ts';
import { mariadbEngine } from './mariadb.ts';
import { postgresEngine } from './postgres.ts';
import { type Engine, type RdsEngine, type ServerKind, serverKindOf } from './types.ts';

export type { DbServer, Engine, RdsEngine, ServerKind } from './types.ts';
export { serverKindOf };

const ENGINES: Record<ServerKind, Engine> = { postgres: postgresEngine, mariadb: mariadbEngine };

export const engineForKind = (kind: ServerKind | undefined): Engine => ENGINES[kind ?? 'postgres'];
/** Records written before engines existed have no `engine`: they are PostgreSQL. */
export const engineOfRecord = (rec: Pick<ServerRecord, 'engine'> | undefined): Engine =>
  engineForKind(rec?.engine);
export const engineOfInstance = (inst: Pick<InstanceRecord, 'engine'> | undefined): Engine =>
  engineForKind(serverKindOf(inst?.engine));
/** The RDS engine name of an instance (`postgres` for records written before engines existed). */
export const rdsEngineOf = (inst: Pick<InstanceRecord, 'engine'> | undefined): RdsEngine =>
  inst?.engine ?? 'postgres';
