// The slice of `node:sqlite` the store uses. @types/node 20 predates the
// module, and Bun and Deno ship no types for it, though both implement it.
declare module "node:sqlite" {
  type SQLValue = null | number | bigint | string | Uint8Array;
  export interface RunResult {
    changes: number | bigint;
    lastInsertRowid: number | bigint;
  }
  export class StatementSync {
    run(...params: SQLValue[]): RunResult;
    get(...params: SQLValue[]): unknown;
    all(...params: SQLValue[]): unknown[];
  }
  export class DatabaseSync {
    constructor(path: string, options?: { open?: boolean; readOnly?: boolean });
    /** False once SQLite has rolled a failed transaction back by itself (a full disk). */
    readonly isTransaction: boolean;
    exec(sql: string): void;
    prepare(sql: string): StatementSync;
    close(): void;
  }
}
