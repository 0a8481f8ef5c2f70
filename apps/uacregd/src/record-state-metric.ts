/**
 * The opt-in per-record state series (`metrics.per_record`, docs/observability.md "Per-record state"):
 * `uacreg_registrant_state{aor, contact, registrar, state} 1`, one series per record, so an alert can name the
 * failing trunks. `state` is the record's settled state (settled-state.ts): a record that retries out of a failure
 * keeps its series, and an alert's `for:` is not reset by each retry. The username and the password are never
 * labels.
 *
 * Cardinality is capped at `max_records` series: when the table holds more, the records that are not
 * REGISTERED_STATE come first (they are the ones an alert needs), then the others in table order;
 * `uacreg_registrant_state_records_omitted` counts the rest, and the first scrape that leaves records out logs one
 * warning. Read at scrape time from the engine's snapshot: nothing on the hot path.
 */
import type { RecordView } from "@uacreg/core";
import { Gauge, type Registry } from "prom-client";
import type { Logger } from "./logger.js";
import type { SettledStates } from "./settled-state.js";

/** What the series read: the records now (the engine's `snapshot()`), undefined before the records are loaded. */
export interface RecordStateSource {
  snapshot(): { readonly length: number; view(index: number): RecordView } | undefined;
}

export class RecordStateMetric {
  #warned = false;

  constructor(registry: Registry, source: RecordStateSource, settled: SettledStates, maxRecords: number, log: Logger) {
    const metric = this;
    const omitted = (): number => Math.max(0, (source.snapshot()?.length ?? 0) - maxRecords);
    new Gauge({
      name: "uacreg_registrant_state",
      help: "One series per record (metrics.per_record), value 1, labelled by its settled state",
      labelNames: ["aor", "contact", "registrar", "state"],
      registers: [registry],
      collect() {
        this.reset();
        const snapshot = source.snapshot();
        if (snapshot === undefined) return;
        const total = snapshot.length;
        // Two passes over the snapshot: the records not registered first, then the registered ones, up to the cap.
        let exported = 0;
        for (const wantRegistered of [false, true]) {
          for (let i = 0; i < total && exported < maxRecords; i++) {
            const v = snapshot.view(i);
            const state = settled.settledOf(v, v.stateName);
            if ((state === "REGISTERED_STATE") !== wantRegistered) continue;
            this.set({ aor: v.aor, contact: v.contact, registrar: v.registrar, state }, 1);
            exported++;
          }
        }
        if (exported < total) metric.#warnOnce(log, total, maxRecords);
      },
    });
    new Gauge({
      name: "uacreg_registrant_state_records_omitted",
      help: "Records left out of uacreg_registrant_state by metrics.per_record.max_records",
      registers: [registry],
      collect() {
        this.set(omitted());
      },
    });
    new Gauge({
      name: "uacreg_registrant_state_max_records",
      help: "The cap on uacreg_registrant_state series (metrics.per_record.max_records)",
      registers: [registry],
      collect() {
        this.set(maxRecords);
      },
    });
  }

  #warnOnce(log: Logger, total: number, maxRecords: number): void {
    if (this.#warned) return;
    this.#warned = true;
    log.warn(
      { records: total, max_records: maxRecords },
      "metrics.per_record.max_records reached: uacreg_registrant_state leaves records out (the not registered first)",
    );
  }
}
