/**
 * The ReverseReplicationGateway the handlers use: one per engine, chosen by the pair's engine
 * (PostgreSQL: publication + slot + subscription; MariaDB: old blue's GTID replica connection, set up
 * through RDS's stored procedures).
 */
import type { ParameterReader } from './parameters.ts';
import type { ReverseReplicationGateway, ReverseReplicationPair } from './reverse-replication-gateway.ts';
import { makeMariadbReverseReplication } from './reverse-replication-mariadb.ts';
import { makePostgresReverseReplication } from './reverse-replication-postgres.ts';

export const makeReverseReplicationGateway = (readParameter: ParameterReader): ReverseReplicationGateway => {
  const postgres = makePostgresReverseReplication(readParameter);
  const mariadb = makeMariadbReverseReplication(readParameter);
  // Both sides of a Blue/Green pair run the same engine; the new primary's field decides (absent: postgres).
  const of = (pair: ReverseReplicationPair) =>
    pair.newPrimary.engine === 'mariadb' || pair.newPrimary.engine === 'mysql' ? mariadb : postgres;
  return {
    prepare: (pair) => of(pair).prepare(pair),
    start: (pair) => of(pair).start(pair),
    status: (pair) => of(pair).status(pair),
    openStatusReader: (pair) => of(pair).openStatusReader(pair),
    stop: (pair) => of(pair).stop(pair),
    openStop: (pair) => of(pair).openStop(pair),
  };
};
