/**
 * `uacreg mi … -o table`: an MI result (docs/mi-protocol.md §6) as aligned text. An array of objects (reg_list's
 * `Records`, `clusterer_list`…) becomes one table whose columns are the union of the keys in order of first
 * appearance; an object's scalar members become a `name  value` table; a member holding an array of objects gets its
 * own table under its name; anything else nested is shown as compact JSON in its cell.
 */
import { cellText, renderTable } from "./text-table.js";

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isArrayOfRecords(v: Json): v is Array<Record<string, Json>> {
  return Array.isArray(v) && v.length > 0 && v.every(isRecord);
}

function recordsTable(records: ReadonlyArray<Record<string, Json>>): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  return renderTable(
    columns,
    records.map((r) => columns.map((c) => cellText(r[c]))),
  );
}

/** The table text of an MI result. */
export function miResultTable(result: Json): string {
  if (isArrayOfRecords(result)) return recordsTable(result);
  if (Array.isArray(result))
    return result.length === 0
      ? "(none)\n"
      : renderTable(
          ["value"],
          result.map((v) => [cellText(v)]),
        );
  if (!isRecord(result)) return `${cellText(result)}\n`;
  const scalars: Array<[string, string]> = [];
  const sections: string[] = [];
  for (const [k, v] of Object.entries(result)) {
    if (isArrayOfRecords(v)) sections.push(`${k}:\n${recordsTable(v)}`);
    else if (Array.isArray(v) && v.length === 0) sections.push(`${k}: (none)\n`);
    else if (isRecord(v) && Object.values(v).every((x) => !isRecord(x) && !Array.isArray(x))) {
      sections.push(
        `${k}:\n${renderTable(
          ["name", "value"],
          Object.entries(v).map(([a, b]) => [a, cellText(b)]),
        )}`,
      );
    } else scalars.push([k, cellText(v)]);
  }
  const head = scalars.length > 0 ? renderTable(["name", "value"], scalars) : "";
  return [head, ...sections].filter((s) => s !== "").join("\n");
}
