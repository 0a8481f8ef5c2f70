// The SQLite read path of a start-up, per row (docs/performance-startup.md): CPU-µs per row of
//   1. the page SELECT alone (better-sqlite3, raw rows, pages of 1,000 by id),
//   2. the same plus the conversion to RegistrantRow the loader hands the engine,
//   3. the adapter's loadAll consumed with `for await`, as the engine's table loader does (one async-generator step
//      per row), and
//   4. the adapter's loadPages consumed a page at a time (one step per 1,000 rows).
// Figures, no assertions. The table is the registrant table of a uacregd SQLite database (e.g. the one
// apps/uacregd/bench/startup.bench.mjs generates with UACREG_BENCH_DIR):
//
//   node packages/db-sqlite/bench/read-rows.bench.mjs /tmp/x/r1000000.db [repeat=3]
import Database from "better-sqlite3";
import { openRepository, REGISTRANT_COLUMNS, registrantRowOfValues } from "@uacreg/db";
import { sqliteAdapter } from "../dist/index.js";

const file = process.argv[2];
const repeat = Number(process.argv[3] ?? 3);
if (!file) throw new Error("usage: read-rows.bench.mjs FILE.db [repeat]");
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const cols = ["id", ...REGISTRANT_COLUMNS].map((c) => `"${c}"`).join(", ");

function pages(convert) {
  const db = new Database(file, { readonly: true });
  const first = db.prepare(`SELECT ${cols} FROM "registrant" ORDER BY "id" LIMIT ?`).raw(true);
  const next = db.prepare(`SELECT ${cols} FROM "registrant" WHERE "id" > ? ORDER BY "id" LIMIT ?`).raw(true);
  let n = 0;
  let last;
  let keep;
  for (let page = first.all(1000); ; page = next.all(last, 1000)) {
    for (const r of page) {
      if (convert) keep = registrantRowOfValues(r);
      n++;
    }
    if (page.length < 1000) break;
    last = page[page.length - 1][0];
  }
  db.close();
  return keep === undefined ? n : n;
}

async function viaRepository(paged) {
  const repository = await openRepository(`sqlite://${file}`, {}, [sqliteAdapter]);
  let n = 0;
  if (paged) for await (const page of repository.loadPages()) n += page.length;
  else for await (const _ of repository.loadAll()) n++;
  await repository.close();
  return n;
}

const cases = [
  ["SELECT pages only", async () => pages(false)],
  ["+ RegistrantRow", async () => pages(true)],
  ["adapter loadAll (for await per row)", () => viaRepository(false)],
  ["adapter loadPages (for await per page)", () => viaRepository(true)],
];
for (let i = 0; i < repeat; i++) {
  for (const [name, run] of cases) {
    const t = cpu();
    const n = await run();
    const s = cpu() - t;
    console.log(`${name.padEnd(40)} ${n} rows: ${s.toFixed(2)} CPU-s, ${((s / n) * 1e6).toFixed(2)} µs/row`);
  }
}
