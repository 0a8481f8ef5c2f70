import { type Clock, systemClock } from "@uacreg/runtime";
import type { RegistrantRepository, RegistrantRow, SchemaAdmin } from "./registrant-row.js";

/** What {@link measureLoad} saw: seconds for the bulk insert and the streamed load, and memory around the load. */
export interface LoadMeasurement {
  rows: number;
  insertSeconds: number;
  loadSeconds: number;
  heapBefore: number;
  heapPeak: number;
  rssBefore: number;
  rssPeak: number;
}

/**
 * Inserts `n` rows made by `makeRow` with `insertMany`, then streams them back with `loadAll`, sampling heap and RSS
 * every 10,000 rows (run node with --expose-gc for a clean baseline). Used by the load benchmarks of the adapters and
 * the conformance suite's bulk case; it asserts nothing and times nothing it does not print. Times come from
 * `clock.now()` (default `systemClock`).
 */
export async function measureLoad(
  repo: RegistrantRepository & SchemaAdmin,
  n: number,
  makeRow: (i: number) => RegistrantRow,
  clock: Clock = systemClock,
): Promise<LoadMeasurement> {
  const t0 = clock.now();
  await repo.insertMany(
    (function* () {
      for (let i = 0; i < n; i++) yield makeRow(i);
    })(),
  );
  const t1 = clock.now();
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage();
  let rows = 0;
  let heapPeak = before.heapUsed;
  let rssPeak = before.rss;
  const t2 = clock.now();
  for await (const _row of repo.loadAll()) {
    if (++rows % 10_000 === 0) {
      const m = process.memoryUsage();
      heapPeak = Math.max(heapPeak, m.heapUsed);
      rssPeak = Math.max(rssPeak, m.rss);
    }
  }
  const t3 = clock.now();
  return {
    rows,
    insertSeconds: (t1 - t0) / 1000,
    loadSeconds: (t3 - t2) / 1000,
    heapBefore: before.heapUsed,
    heapPeak,
    rssBefore: before.rss,
    rssPeak,
  };
}

/** One line for a {@link LoadMeasurement}: `<label> N rows: insertMany … s; loadAll … s (… rows/s); heap …; rss …`. */
export function formatLoadMeasurement(label: string, m: LoadMeasurement): string {
  const mb = (b: number) => (b / 1048576).toFixed(1);
  return (
    `${label} ${m.rows} rows: insertMany ${m.insertSeconds.toFixed(2)} s; loadAll ${m.loadSeconds.toFixed(2)} s ` +
    `(${Math.round(m.rows / m.loadSeconds)} rows/s); heap ${mb(m.heapBefore)} → peak ${mb(m.heapPeak)} MB; ` +
    `rss ${mb(m.rssBefore)} → peak ${mb(m.rssPeak)} MB`
  );
}
