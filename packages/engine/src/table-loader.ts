import type { RegistrantRow, ValidationContext } from "@uacreg/core";
import type { Logger } from "@uacreg/runtime";
import type { LoadReport } from "./engine-options.js";
import type { LiveRecord } from "./live-record.js";
import type { LiveTable } from "./live-table.js";
import type { RegistrantStore } from "./registrant-store.js";
import type { StateWriter } from "./state-writer.js";
import { TableReconciler } from "./table-reconciler.js";

/**
 * Rows applied between two turns of the event loop during a load (docs/performance-startup.md): a slice costs a few
 * milliseconds, so the MI, the metrics and the SIP sockets are served throughout a load of a million rows.
 */
export const LOAD_SLICE_ROWS = 1000;

/** One turn of the event loop: I/O callbacks (an MI request, a datagram) run before the promise resolves. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Loads and full reloads (docs/decisions.md "reload"): streams the store's rows through the pure
 * {@link TableReconciler} and applies each decision to the {@link LiveTable} as the row comes in; on a reload, the
 * records no row named are removed at the end. Loads run one after the other, never interleaved. A state write still
 * pending for a row's key wins over the row's `state` column (docs/decisions.md "state writes"). The load gives the
 * event loop a turn after every {@link LOAD_SLICE_ROWS} rows: a store that reads synchronously (better-sqlite3) would
 * otherwise hold the loop for the whole table.
 */
export class TableLoader {
  readonly #table: LiveTable;
  readonly #validation: ValidationContext;
  readonly #log: Logger;
  readonly #pending: Pick<StateWriter, "intendedState" | "pending"> | undefined;
  #last: Promise<unknown> = Promise.resolve();

  /**
   * `pending`: the state writes not landed yet (the {@link StateWriter}); a row whose key has one is read with the
   * intended state instead of its column (docs/decisions.md "state writes": a pending write wins over the stale column).
   */
  constructor(
    table: LiveTable,
    validation: ValidationContext,
    log: Logger,
    pending?: Pick<StateWriter, "intendedState" | "pending">,
  ) {
    this.#table = table;
    this.#validation = validation;
    this.#log = log;
    this.#pending = pending;
  }

  /**
   * `row` with the state a pending write will store for its key, instead of its (stale) `state` column
   * (docs/decisions.md "state writes"); full loads and per-record reloads read rows through it.
   */
  asIntended<T extends RegistrantRow | undefined>(row: T): T {
    // Asked for every row of a load: nothing built when no state write is pending (almost always).
    if (row === undefined || this.#pending === undefined || this.#pending.pending === 0) return row;
    const intended = this.#pending.intendedState({ aor: row.aor, contact: row.binding_URI, registrar: row.registrar });
    return intended === undefined || intended === row.state ? row : { ...row, state: intended };
  }

  /** Runs after the loads already queued. A failing row stream rejects and removes nothing. */
  load(store: RegistrantStore, isReload: boolean): Promise<LoadReport> {
    const job = () => this.#run(store, isReload);
    const run = this.#last.then(job, job);
    this.#last = run.catch(() => undefined);
    return run;
  }

  async #run(store: RegistrantStore, isReload: boolean): Promise<LoadReport> {
    const table = this.#table;
    const fresh = !isReload && table.size === 0;
    const reconciler = new TableReconciler<LiveRecord>((key) => table.get(key), this.#validation, { fresh });
    if (fresh && store.count !== undefined) {
      // The table's key index sized once for every row (docs/performance-startup.md); a count that fails only
      // leaves the index to grow as the rows come in, the rows themselves are read below either way.
      try {
        table.reserve(await store.count());
      } catch (e) {
        this.#log.debug({ err: e instanceof Error ? e.message : String(e) }, "row count unavailable before the load");
      }
    }
    let slice = 0;
    const take = (stored: RegistrantRow) => {
      const row = this.asIntended(stored);
      const d = reconciler.offer(row);
      if (d.kind === "rejected") table.refused(d.rejection);
      else reconciler.adopt(table.apply(d.config, d.kind === "reload" ? d.entry : undefined));
    };
    if (store.loadPages !== undefined) {
      // A page per async step; still a turn of the event loop every LOAD_SLICE_ROWS rows (the MI keeps answering).
      for await (const page of store.loadPages()) {
        for (const stored of page) {
          if (++slice === LOAD_SLICE_ROWS) {
            slice = 0;
            await nextTurn();
          }
          take(stored);
        }
      }
    } else {
      for await (const stored of store.loadAll()) {
        if (++slice === LOAD_SLICE_ROWS) {
          slice = 0;
          await nextTurn();
        }
        take(stored);
      }
    }
    const { loaded, rejected } = reconciler;
    if (isReload) {
      const gone = reconciler.gone(table.values());
      for (const live of gone) table.remove(live);
      this.#log.info({ loaded, removed: gone.length, rejected: rejected.length }, "reload done");
    }
    return { loaded, rejected: [...rejected] };
  }
}
