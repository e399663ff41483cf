/** PostgreSQL inspection facts for unit and path tests: a clean blue, with overrides per case. */
import type { PostgresInspection } from '#aws/inspection-gateway';
import type { PostgresFacts } from '#domain/inspection/postgres';

export const cleanPostgresFacts = (over: Partial<PostgresFacts> = {}): PostgresFacts => ({
  serverVersion: '17.4',
  database: 'orders',
  relations: [
    {
      schema: 'public',
      name: 'orders',
      kind: 'r',
      persistence: 'p',
      replicaIdentity: 'd',
      hasPrimaryKey: true,
      hasIdentityIndex: false,
      rows: 1000,
      bytes: 81920,
    },
  ],
  largeObjects: { count: 0, bytes: 0 },
  extensions: [{ name: 'plpgsql', version: '1.0' }],
  settings: {
    shared_preload_libraries: 'pg_stat_statements',
    max_replication_slots: '20',
    max_wal_senders: '20',
    max_logical_replication_workers: '8',
    max_worker_processes: '16',
    wal_level: 'logical',
  },
  publications: [],
  subscriptions: [],
  slots: [],
  walSenders: 0,
  databases: [{ name: 'orders', bytes: 8_000_000 }],
  readOnlyOverrides: [],
  foreignServers: [],
  sequences: 0,
  connections: 3,
  longestTransaction: null,
  databaseBytes: 8_000_000,
  ...over,
});

export const cleanInspection = (over: Partial<PostgresFacts> = {}): PostgresInspection => {
  const facts = cleanPostgresFacts(over);
  return {
    facts,
    summary: {
      serverVersion: facts.serverVersion,
      databaseBytes: facts.databaseBytes,
      tables: facts.relations.length,
      sequences: facts.sequences,
      connections: facts.connections,
      longestTransactionSeconds: 0,
      databases: facts.databases.map((d) => d.name),
    },
    durationMs: 1,
  };
};
