/** The PostgreSQL-only checks (DDL guard reads, sequences, clients) skip MySQL/MariaDB targets. */
export const isPostgres = (database: { engine?: string } | null | undefined): boolean =>
  !!database && (database.engine ?? 'postgres') === 'postgres';
