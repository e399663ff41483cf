/**
 * Engine-default parameters of the MySQL-family parameter groups (`mariadb10.11`, `mysql8.0`) reported by
 * DescribeDBParameters: the ones Blue/Green and Switchyard's checks read. Values are RDS's defaults where
 * the RDS docs state them (binlog_format MIXED for MariaDB; require_secure_transport OFF for MariaDB ≤ 11.4
 * and MySQL ≤ 8.4), otherwise the engine's own default (emulator/README.md lists which).
 */
import type { DEFAULT_PARAMETERS } from './model.ts';

type ParameterDefault = (typeof DEFAULT_PARAMETERS)[number];

const common: ParameterDefault[] = [
  {
    name: 'binlog_format',
    value: 'MIXED',
    type: 'dynamic',
    dataType: 'string',
    description: 'What form of binary logging the master will use.',
    allowed: 'ROW,STATEMENT,MIXED',
  },
  {
    name: 'binlog_row_image',
    value: 'FULL',
    type: 'dynamic',
    dataType: 'string',
    description: 'Controls whether rows should be logged in FULL, NOBLOB or MINIMAL formats.',
    allowed: 'FULL,MINIMAL,NOBLOB',
  },
  {
    name: 'read_only',
    value: '{TrueIfReplica}',
    type: 'dynamic',
    dataType: 'boolean',
    description: 'When set to 1, only users with the READ_ONLY ADMIN (SUPER) privilege may write.',
    allowed: '0,1',
  },
  {
    name: 'require_secure_transport',
    value: '0',
    type: 'dynamic',
    dataType: 'boolean',
    description:
      'Whether client connections to the server are required to use some form of secure transport.',
    allowed: '0,1',
  },
  {
    name: 'lower_case_table_names',
    value: '0',
    type: 'static',
    dataType: 'integer',
    description: 'How table and database names are stored and compared.',
    allowed: '0,1',
  },
  {
    name: 'innodb_flush_log_at_trx_commit',
    value: '1',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Controls the balance between ACID compliance for commit operations and performance.',
    allowed: '0,1,2',
  },
  {
    name: 'sync_binlog',
    value: '1',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Sync the binary log to disk after every Nth commit.',
    allowed: '0-4294967295',
  },
  {
    name: 'max_connections',
    value: '{DBInstanceClassMemory/12582880}',
    type: 'dynamic',
    dataType: 'integer',
    description: 'The number of simultaneous client connections allowed.',
    allowed: '1-100000',
  },
];

export const MYSQL_FAMILY_PARAMETERS: Record<string, ParameterDefault[]> = {
  'mariadb10.11': [
    ...common,
    {
      name: 'event_scheduler',
      value: 'OFF',
      type: 'dynamic',
      dataType: 'string',
      description: 'Enable the event scheduler.',
      allowed: 'ON,OFF',
    },
    {
      name: 'gtid_strict_mode',
      value: '0',
      type: 'dynamic',
      dataType: 'boolean',
      description: 'Enforce strict seq_no ordering of events in the binary log.',
      allowed: '0,1',
    },
  ],
  'mysql8.0': [
    ...common,
    {
      name: 'event_scheduler',
      value: 'ON',
      type: 'dynamic',
      dataType: 'string',
      description: 'Enable the event scheduler.',
      allowed: 'ON,OFF',
    },
    {
      name: 'gtid-mode',
      value: 'OFF_PERMISSIVE',
      type: 'static',
      dataType: 'string',
      description:
        'Controls whether GTID based logging is enabled and what type of transactions logs can contain.',
      allowed: 'OFF,OFF_PERMISSIVE,ON_PERMISSIVE,ON',
    },
  ],
};
