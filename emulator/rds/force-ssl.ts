/**
 * `rds.force_ssl`: whether an instance's PostgreSQL server refuses connections without TLS. RDS sets it
 * to 1 by default for PostgreSQL 15 and later ("Updating applications to connect to PostgreSQL DB
 * instances using new SSL/TLS certificates",
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/ssl-certificate-rotation-postgresql.html); every
 * engine version the emulator runs is 17 or later. The parameter is dynamic: a change in the parameter
 * group applies at once, to new connections.
 */
import type { DbServer } from '../engines/types.ts';
import { PgServer } from '../pg/server.ts';
import type { InstanceRecord, PersistedState } from './model.ts';

/** The part of the runtime this reads (not Core itself: core imports this module). */
interface ForceSslHost {
  state: PersistedState;
  server(inst: InstanceRecord | undefined): DbServer | undefined;
}

export const FORCE_SSL = 'rds.force_ssl';

/** True unless the instance's parameter group sets rds.force_ssl to 0. */
export const forceSslFor = (
  core: Pick<ForceSslHost, 'state'>,
  inst: Partial<Pick<InstanceRecord, 'parameterGroup'>>,
): boolean => {
  const group = inst.parameterGroup
    ? core.state.parameterGroups.find((g) => g.name === inst.parameterGroup)
    : undefined;
  return group?.params[FORCE_SSL] !== '0';
};

/** After a parameter group changed: applies rds.force_ssl to the running servers of the instances using it. */
export const applyForceSsl = async (core: ForceSslHost, groupName: string): Promise<void> => {
  for (const inst of core.state.instances) {
    if (inst.parameterGroup !== groupName) continue;
    const server = core.server(inst);
    const on = forceSslFor(core, inst);
    if (server instanceof PgServer && server.forceSsl !== on) await server.setForceSsl(on);
  }
};
