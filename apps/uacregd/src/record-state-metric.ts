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
 * warning. Read at scrape time from the engine's snapshot (nothing on the hot path) and written as text after the
 * registry's families, a slice of records per event-loop turn.
 */
import type { RecordView } from "@uacreg/core";
import { Gauge, type Registry } from "prom-client";
import type { Logger } from "./logger.js";
import type { SettledStates } from "./settled-state.js";

/** What the series read: the records now (the engine's `snapshot()`), undefined before the records are loaded. */
export interface RecordStateSource {
  snapshot(): { readonly length: number; view(index: number): RecordView } | undefined;
}

/** Records looked at and written per turn of the event loop: a scrape of 100,000 records never blocks SIP for long. */
const RECORDS_PER_TURN = 2000;

const NAME = "uacreg_registrant_state";
const HELP = "One series per record (metrics.per_record), value 1, labelled by its settled state";

/** A label value in the text format: backslash, double quote and line feed escaped. */
function labelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export class RecordStateMetric {
  #warned = false;

  /** `target`: the daemon's metrics (DaemonMetrics): its registry, and where the text family is added. */
  constructor(
    target: { readonly registry: Registry; addTextSource(source: () => Promise<string>): void },
    private readonly source: RecordStateSource,
    private readonly settled: SettledStates,
    private readonly maxRecords: number,
    private readonly log: Logger,
  ) {
    const registry = target.registry;
    target.addTextSource(() => this.text());
    new Gauge({
      name: "uacreg_registrant_state_records_omitted",
      help: "Records left out of uacreg_registrant_state by metrics.per_record.max_records",
      registers: [registry],
      collect() {
        this.set(Math.max(0, (source.snapshot()?.length ?? 0) - maxRecords));
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

  /**
   * The `uacreg_registrant_state` family in the text exposition format (for `DaemonMetrics.addTextSource`): two
   * passes over the snapshot, the records not registered first, then the registered ones, up to the cap, a slice of
   * records per event-loop turn.
   */
  async text(): Promise<string> {
    const parts = [`# HELP ${NAME} ${HELP}\n# TYPE ${NAME} gauge\n`];
    const snapshot = this.source.snapshot();
    if (snapshot === undefined) return parts[0] as string;
    const total = snapshot.length;
    let written = 0;
    let looked = 0;
    for (const wantRegistered of [false, true]) {
      for (let i = 0; i < total && written < this.maxRecords; i++) {
        if (++looked % RECORDS_PER_TURN === 0) await new Promise<void>((r) => setImmediate(r));
        const v = snapshot.view(i);
        const state = this.settled.settledOf(v, v.stateName);
        if ((state === "REGISTERED_STATE") !== wantRegistered) continue;
        parts.push(
          `${NAME}{aor="${labelValue(v.aor)}",contact="${labelValue(v.contact)}",registrar="${labelValue(v.registrar)}",state="${state}"} 1\n`,
        );
        written++;
      }
    }
    if (written < total) this.#warnOnce(total);
    return parts.join("");
  }

  #warnOnce(total: number): void {
    if (this.#warned) return;
    this.#warned = true;
    this.log.warn(
      { records: total, max_records: this.maxRecords },
      "metrics.per_record.max_records reached: uacreg_registrant_state leaves records out (the not registered first)",
    );
  }
}
