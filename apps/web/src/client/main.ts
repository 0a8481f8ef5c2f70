/**
 * The status page: wires the summary, the records table, the detail view and the dialogs to the status API and the
 * event stream (docs/web-api.md). The table shows one server-side page (100 rows) of the filtered, sorted records; a
 * state event that may touch the page re-fetches it (coalesced), so 100,000 records cost the browser 100 rows.
 */
import "./style.css";
import { ApiError, api, UnauthorizedError } from "./api.js";
import { Coalescer } from "./coalesce.js";
import { DetailView } from "./detail-view.js";
import { askForToken, confirmAction, wireCloseButtons } from "./dialogs.js";
import { byId, h } from "./dom.js";
import { stateLabel } from "./format.js";
import { LiveEvents, type LiveStatus } from "./live.js";
import {
  filterStates,
  hashToQuery,
  type ListQuery,
  nextSort,
  PAGE_SIZE,
  pageLabel,
  queryToHash,
  recordsSearch,
  type SortKey,
} from "./query.js";
import { RecordsView } from "./records-view.js";
import { SummaryView } from "./summary-view.js";
import {
  type RecordAction,
  type RecordItem,
  type RecordPage,
  STATE_NAMES,
  type StateEvent,
  type Summary,
} from "./types.js";

/** Labels and confirmations of the actions; the ones that may unregister ask first. */
const ACTIONS: Record<RecordAction, { done: string; confirm?: (aor: string) => { title: string; text: string } }> = {
  enable: { done: "enabled" },
  disable: {
    done: "disabled",
    confirm: (aor) => ({
      title: `Disable ${aor}?`,
      text: "It unregisters the binding at the registrar (REGISTER with expires 0) and stops refreshing it until enabled again.",
    }),
  },
  "force-register": { done: "registering now" },
  reload: {
    done: "reloaded from the database",
    confirm: (aor) => ({
      title: `Reload ${aor}?`,
      text: "It re-reads this record from the database. A changed record registers again; a record no longer in the database is unregistered.",
    }),
  },
};

class StatusPage {
  private query: ListQuery = hashToQuery(location.hash);
  /** Server time minus this browser's clock, in seconds (countdowns use the daemon's clock). */
  private skew = 0;
  private total = 0;
  private shown = 0;
  private inFlight: AbortController | null = null;
  private readonly summaryView = new SummaryView((state) =>
    this.setQuery({ state: this.query.state === state ? "all" : state }),
  );
  private readonly records = new RecordsView({
    open: (item) => void this.openDetail(item.id),
    act: (item, action) => void this.act(item, action),
  });
  private readonly detail = new DetailView((record, action) => void this.act(record, action));
  private readonly refreshPage = new Coalescer(() => this.loadPage(), 400);
  private readonly refreshDetail = new Coalescer(() => this.reloadDetail(), 300);
  private readonly live = new LiveEvents("events", {
    snapshot: (e) => {
      this.applySummary(e.summary);
      // A (re)connected stream: what changed while away is in the snapshot, not in events; re-read the page (coalesced,
      // so a fetch the operator just asked for is not thrown away).
      this.refreshPage.trigger();
      if (this.detail.openId !== null) this.refreshDetail.trigger();
    },
    state: (e) => this.onState(e),
    summary: (s) => this.applySummary(s),
    status: (s) => this.showLive(s),
    closed: () => void this.onStreamClosed(),
  });
  private lastSummary: Summary | null = null;

  start(): void {
    wireCloseButtons();
    this.wireControls();
    this.syncControls();
    void this.boot();
    setInterval(() => {
      this.records.tick(this.now());
      this.detail.tick(this.now());
    }, 1000);
  }

  private now(): number {
    return Date.now() / 1000 + this.skew;
  }

  /**
   * First load: the summary (which also tells whether a token is needed) and the first page at once, then the live
   * stream (its snapshot re-reads the page once, so nothing that changed in between is missed).
   */
  private async boot(): Promise<void> {
    const query = this.query;
    const [summary, page] = await Promise.allSettled([api.summary(), api.records(recordsSearch(query))]);
    if (summary.status === "rejected") {
      if (summary.reason instanceof UnauthorizedError) {
        if (await askForToken()) return this.boot();
        this.needToken();
        return;
      }
      this.notice(summary.reason instanceof Error ? summary.reason.message : String(summary.reason), true);
    } else {
      this.applySummary(summary.value);
    }
    if (page.status === "fulfilled" && query === this.query) this.showPage(query, page.value);
    else await this.loadPage();
    this.live.connect();
  }

  private needToken(): void {
    const button = h("button", { type: "button", class: "small", text: "Enter token" });
    button.addEventListener("click", () => {
      this.notice("");
      void this.boot();
    });
    this.showLive("closed");
    this.notice("This daemon needs an access token. ", true, button);
  }

  private applySummary(s: Summary): void {
    this.lastSummary = s;
    this.skew = s.now - Date.now() / 1000;
    this.summaryView.render(s, this.query.state);
  }

  private onState(e: StateEvent): void {
    this.summaryView.move(e.from, e.to);
    if (this.detail.openId === e.id) this.refreshDetail.trigger();
    if (this.records.has(e.id) || this.mayShow(e)) this.refreshPage.trigger();
  }

  /** Whether a changed record may enter or leave the current page (matches the filter before or after). */
  private mayShow(e: StateEvent): boolean {
    const states = filterStates(this.query.state);
    if (states.length > 0 && !states.includes(e.to) && !states.includes(e.from)) return false;
    const q = this.query.q.trim().toLowerCase();
    return q === "" || e.key.aor.toLowerCase().includes(q) || e.key.registrar.toLowerCase().includes(q);
  }

  private async onStreamClosed(): Promise<void> {
    try {
      await api.summary();
    } catch (e) {
      if (e instanceof UnauthorizedError) {
        if (await askForToken()) this.live.connect();
        else this.needToken();
        return;
      }
    }
    // The daemon refused or dropped the stream for another reason (restarting?): a new stream, with a snapshot.
    setTimeout(() => this.live.connect(), 3000);
  }

  private async loadPage(): Promise<void> {
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    const query = this.query;
    try {
      const page = await api.records(recordsSearch(query), controller.signal);
      if (controller.signal.aborted) return;
      this.showPage(query, page);
    } catch (e) {
      if (controller.signal.aborted) return;
      if (e instanceof UnauthorizedError) {
        if (await askForToken()) {
          await this.loadPage();
          this.live.connect();
        } else this.needToken();
        return;
      }
      this.notice(`Could not load the records: ${e instanceof Error ? e.message : String(e)}`, true);
    } finally {
      if (this.inFlight === controller) this.inFlight = null;
    }
  }

  /** Draws a page of records fetched for `query`. */
  private showPage(query: ListQuery, page: RecordPage): void {
    if (page.items.length === 0 && page.total > 0 && query.offset > 0) {
      // The page emptied under us (records left the filter): show the last page that has rows.
      this.setQuery({ offset: Math.max(0, Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE) });
      return;
    }
    this.total = page.total;
    this.shown = page.items.length;
    this.records.render(page.items, this.now());
    byId("page-label").textContent = pageLabel(page.offset, page.items.length, page.total);
    byId<HTMLButtonElement>("prev").disabled = query.offset === 0;
    byId<HTMLButtonElement>("next").disabled = query.offset + page.items.length >= page.total;
  }

  private async openDetail(id: string): Promise<void> {
    try {
      this.detail.show(await api.record(id), this.now());
    } catch (e) {
      await this.failed(e, "Could not load the record");
    }
  }

  private async reloadDetail(): Promise<void> {
    const id = this.detail.openId;
    if (id === null) return;
    try {
      this.detail.refresh(await api.record(id), this.now());
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        this.detail.close();
        this.notice("That record is no longer loaded.");
      }
    }
  }

  private async act(item: RecordItem, action: RecordAction): Promise<void> {
    const spec = ACTIONS[action];
    if (spec.confirm !== undefined) {
      const { title, text } = spec.confirm(item.aor);
      const label = action === "disable" ? "Disable" : "Reload";
      if (!(await confirmAction(title, text, label))) return;
    }
    try {
      const reply = await api.action(item.id, action);
      this.notice(`${item.aor}: ${spec.done}${reply.message && reply.message !== "OK" ? ` (${reply.message})` : ""}.`);
    } catch (e) {
      await this.failed(e, `${item.aor}: ${action} failed`);
    }
    this.refreshPage.trigger();
    if (this.detail.openId === item.id) this.refreshDetail.trigger();
  }

  private async reloadAll(): Promise<void> {
    const ok = await confirmAction(
      "Reload all records?",
      "It re-reads every record from the database. Changed records register again; records no longer in the database are unregistered. Unchanged ones are left alone.",
      "Reload all",
    );
    if (!ok) return;
    try {
      const reply = await api.reloadAll();
      this.notice(`Reloaded from the database${reply.message && reply.message !== "OK" ? `: ${reply.message}` : ""}.`);
    } catch (e) {
      await this.failed(e, "Reload failed");
    }
    this.refreshPage.trigger();
  }

  private async failed(e: unknown, what: string): Promise<void> {
    if (e instanceof UnauthorizedError) {
      if (!(await askForToken())) this.needToken();
      return;
    }
    this.notice(`${what}: ${e instanceof Error ? e.message : String(e)}`, true);
  }

  private notice(text: string, error = false, ...extra: Node[]): void {
    const el = byId("notice");
    el.classList.toggle("error", error);
    el.setAttribute("role", error ? "alert" : "status");
    el.replaceChildren(text, ...extra);
  }

  private showLive(s: LiveStatus): void {
    const el = byId("live");
    el.dataset.status = s;
    el.textContent = { connecting: "Connecting…", live: "● Live", reconnecting: "Reconnecting…", closed: "○ Offline" }[
      s
    ];
  }

  private setQuery(change: Partial<ListQuery>): void {
    const resetsPage = "q" in change || "state" in change || "sort" in change || "dir" in change;
    this.query = { ...this.query, ...(resetsPage && !("offset" in change) ? { offset: 0 } : {}), ...change };
    const hash = queryToHash(this.query);
    if (hash !== location.hash && !(hash === "" && location.hash === "")) {
      history.replaceState(null, "", hash === "" ? location.pathname + location.search : hash);
    }
    this.syncControls();
    if (this.lastSummary !== null) this.summaryView.render(this.lastSummary, this.query.state);
    this.refreshPage.cancel();
    void this.loadPage();
  }

  /** Puts the query into the form controls and the headers' aria-sort. */
  private syncControls(): void {
    const search = byId<HTMLInputElement>("search");
    if (search.value !== this.query.q && document.activeElement !== search) search.value = this.query.q;
    byId<HTMLSelectElement>("state-filter").value = this.query.state;
    byId<HTMLSelectElement>("sort").value = this.query.sort;
    byId<HTMLSelectElement>("dir").value = this.query.dir;
    for (const th of document.querySelectorAll<HTMLTableCellElement>("th[data-sort]")) {
      const active = th.dataset.sort === this.query.sort;
      th.setAttribute("aria-sort", active ? (this.query.dir === "asc" ? "ascending" : "descending") : "none");
    }
  }

  private wireControls(): void {
    const filter = byId<HTMLSelectElement>("state-filter");
    filter.append(
      h("option", { value: "all", text: "All states" }),
      h("option", { value: "failing", text: "Failing (any failure state)" }),
      ...STATE_NAMES.map((s) => h("option", { value: s, text: stateLabel(s) })),
    );
    filter.addEventListener("change", () => this.setQuery({ state: filter.value }));
    const search = byId<HTMLInputElement>("search");
    let typing: ReturnType<typeof setTimeout> | undefined;
    search.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => this.setQuery({ q: search.value }), 250);
    });
    byId<HTMLFormElement>("filters").addEventListener("submit", (e) => {
      e.preventDefault();
      clearTimeout(typing);
      this.setQuery({ q: search.value });
    });
    const sort = byId<HTMLSelectElement>("sort");
    sort.addEventListener("change", () => this.setQuery({ sort: sort.value as SortKey }));
    const dir = byId<HTMLSelectElement>("dir");
    dir.addEventListener("change", () => this.setQuery({ dir: dir.value === "desc" ? "desc" : "asc" }));
    for (const th of document.querySelectorAll<HTMLTableCellElement>("th[data-sort]")) {
      const key = th.dataset.sort as SortKey;
      const button = h("button", { type: "button", class: "sort", text: th.textContent ?? key });
      button.addEventListener("click", () => this.setQuery(nextSort(this.query, key)));
      th.replaceChildren(button);
    }
    byId("prev").addEventListener("click", () => this.setQuery({ offset: Math.max(0, this.query.offset - PAGE_SIZE) }));
    byId("next").addEventListener("click", () => {
      if (this.query.offset + this.shown < this.total) this.setQuery({ offset: this.query.offset + PAGE_SIZE });
    });
    byId("reload-all").addEventListener("click", () => void this.reloadAll());
    window.addEventListener("hashchange", () => {
      this.query = hashToQuery(location.hash);
      this.setQuery({});
    });
  }
}

new StatusPage().start();
