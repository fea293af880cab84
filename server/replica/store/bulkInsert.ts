import type Database from 'better-sqlite3'

/**
 * A multi-row INSERT: one statement per up to `maxRows` rows instead of one per row, which
 * divides the per-statement cost of the apply loop's commits. Statements are prepared once per
 * row count and cached.
 */
export class BulkInsert {
  private readonly statements = new Map<number, Database.Statement>()

  constructor(
    private readonly sqlite: Database.Database,
    /** `INSERT … INTO table (a, b, c)` */
    private readonly head: string,
    private readonly width: number,
    /** Appended after the VALUES list, e.g. an `ON CONFLICT` clause. */
    private readonly tail = '',
    private readonly maxRows = 100,
  ) {}

  /** Inserts `values`, a flat list of `width` values per row. */
  run(values: readonly unknown[]): void {
    const rows = values.length / this.width
    for (let start = 0; start < rows; start += this.maxRows) {
      const count = Math.min(this.maxRows, rows - start)
      const chunk = values.slice(start * this.width, (start + count) * this.width)
      this.statement(count).run(chunk)
    }
  }

  private statement(rows: number): Database.Statement {
    let statement = this.statements.get(rows)
    if (statement === undefined) {
      const row = `(${Array.from({ length: this.width }, () => '?').join(', ')})`
      const sql = `${this.head} VALUES ${Array.from({ length: rows }, () => row).join(', ')} ${this.tail}`
      statement = this.sqlite.prepare(sql)
      this.statements.set(rows, statement)
    }
    return statement
  }
}
