/** A table or column name as an SQLite identifier: in double quotes, an inner `"` doubled (SQLite "Keywords"). */
export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
