/** What one lint run learns about the schema from its own statements (tables it creates, known column types). */

export type KnownColumn = { type: string; mods: number[]; notNull: boolean; values?: string[] };

export type SchemaModel = {
  /** Column definitions seen in CREATE TABLE / ADD COLUMN, keyed `table.column`. */
  columns: Map<string, KnownColumn>;
  /** Tables created by this run: no application uses them yet and they hold no data. */
  createdTables: Set<string>;
  /** Views created anywhere in the run (the rename-table exemption: a view keeps the old name alive). */
  views: Set<string>;
  /** `table.column` pairs guarded by a validated CHECK (column IS NOT NULL). */
  notNullChecks: Set<string>;
  /** NOT VALID CHECK (column IS NOT NULL) constraints awaiting VALIDATE: name → `table.column`. */
  pendingNotNullChecks: Map<string, string>;
};

/** An empty model for a new run. */
export const emptySchema = (views: Set<string> = new Set()): SchemaModel => ({
  columns: new Map(),
  createdTables: new Set(),
  views,
  notNullChecks: new Set(),
  pendingNotNullChecks: new Map(),
});

/** Key of a column in the model. */
export const columnKey = (table: string, column: string): string => `${table}.${column}`;
