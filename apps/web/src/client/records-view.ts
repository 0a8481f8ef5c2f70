/**
 * The records table: one row per record of the current page, updated in place by id (so a live refresh keeps the
 * focused row and button), with "in state" and "expires" counting every second. Rows are focusable: Up/Down move
 * between rows, Enter opens the detail view; each row's actions are buttons reachable with Tab.
 */
import { byId, h, setText } from "./dom.js";
import { formatExpiry, formatReply, formatSince, stateLabel, stateSymbol, stateTone } from "./format.js";
import type { RecordAction, RecordItem } from "./types.js";

export interface RowHandlers {
  open(item: RecordItem): void;
  act(item: RecordItem, action: RecordAction): void;
}

interface Row {
  tr: HTMLTableRowElement;
  item: RecordItem;
  cells: {
    state: HTMLElement;
    reply: HTMLElement;
    since: HTMLElement;
    expires: HTMLElement;
    registrar: HTMLElement;
    binding: HTMLElement;
    aor: HTMLButtonElement;
  };
  toggle: HTMLButtonElement;
  force: HTMLButtonElement;
}

export class RecordsView {
  private readonly tbody = byId<HTMLTableSectionElement>("rows");
  private rows = new Map<string, Row>();

  constructor(private readonly on: RowHandlers) {
    this.tbody.addEventListener("keydown", (e) => this.onKey(e));
  }

  /** The ids on screen (a state event for one of them refreshes the page). */
  has(id: string): boolean {
    return this.rows.has(id);
  }

  render(items: RecordItem[], now: number): void {
    const focused = document.activeElement;
    const next = new Map<string, Row>();
    items.forEach((item, i) => {
      const row = this.rows.get(item.id) ?? this.create(item);
      this.update(row, item, now);
      next.set(item.id, row);
      const at = this.tbody.children[i];
      if (at !== row.tr) this.tbody.insertBefore(row.tr, at ?? null);
    });
    for (const [id, row] of this.rows) if (!next.has(id)) row.tr.remove();
    this.rows = next;
    // A row moved in the DOM loses focus in some browsers: give it back.
    if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected) {
      focused.focus({ preventScroll: true });
    }
    byId("empty").hidden = items.length > 0;
  }

  /** The 1-second tick: only the two time columns change. */
  tick(now: number): void {
    for (const row of this.rows.values()) {
      setText(row.cells.since, formatSince(row.item.since, now));
      setText(row.cells.expires, formatExpiry(row.item.expiresAt, now));
    }
  }

  private create(item: RecordItem): Row {
    const cell = (label: string, ...children: (Node | string)[]) =>
      h("td", { "data-label": label }, ...children) as HTMLTableCellElement;
    const aor = h("button", { type: "button", class: "link", title: "Details and history" });
    aor.addEventListener("click", () => this.on.open(row.item));
    const state = h("span", { class: "badge" });
    const reply = h("span");
    const since = h("span");
    const expires = h("span");
    const registrar = h("span", { class: "mono" });
    const binding = h("span", { class: "mono" });
    const button = (action: RecordAction | "details", label: string) => {
      const b = h("button", { type: "button", class: "small secondary", "data-action": action, text: label });
      b.addEventListener("click", () =>
        action === "details" ? this.on.open(row.item) : this.on.act(row.item, action),
      );
      return b;
    };
    const toggle = button("disable", "Disable");
    const force = button("force-register", "Register");
    const tr = h(
      "tr",
      { tabindex: "0", "data-id": item.id },
      cell("State", state),
      cell("AOR", aor),
      cell("Last reply", reply),
      cell("In state", since),
      cell("Expires", expires),
      cell("Registrar", registrar),
      cell("Binding", binding),
      cell(
        "Actions",
        h("div", { class: "actions" }, button("details", "Details"), toggle, force, button("reload", "Reload")),
      ),
    );
    const row: Row = { tr, item, cells: { state, reply, since, expires, registrar, binding, aor }, toggle, force };
    return row;
  }

  private update(row: Row, item: RecordItem, now: number): void {
    row.item = item;
    const { cells } = row;
    const label = stateLabel(item.state);
    setText(cells.state, `${stateSymbol(item.state)} ${label}${item.enabled ? "" : " (disabled)"}`);
    cells.state.className = `badge tone-${item.enabled ? stateTone(item.state) : "idle"}`;
    setText(cells.aor, item.aor);
    setText(cells.reply, formatReply(item.lastReply));
    setText(cells.since, formatSince(item.since, now));
    setText(cells.expires, formatExpiry(item.expiresAt, now));
    setText(cells.registrar, item.registrar);
    setText(cells.binding, item.binding);
    row.tr.setAttribute("aria-label", `${item.aor}, ${label}${item.enabled ? "" : ", disabled"}`);
    const action = item.enabled ? "disable" : "enable";
    row.toggle.dataset.action = action;
    setText(row.toggle, item.enabled ? "Disable" : "Enable");
    row.toggle.setAttribute("aria-label", `${item.enabled ? "Disable" : "Enable"} ${item.aor}`);
    row.force.disabled = !item.enabled;
    row.force.setAttribute("aria-label", `Register ${item.aor} now`);
    for (const b of row.tr.querySelectorAll<HTMLButtonElement>(
      "button[data-action=details], button[data-action=reload]",
    )) {
      b.setAttribute("aria-label", `${b.dataset.action === "details" ? "Details of" : "Reload"} ${item.aor}`);
    }
  }

  private onKey(e: KeyboardEvent): void {
    const tr = e.target instanceof HTMLTableRowElement ? e.target : null;
    if (tr === null) return;
    if (e.key === "Enter" || e.key === " ") {
      const row = this.rows.get(tr.dataset.id ?? "");
      if (row !== undefined) {
        e.preventDefault();
        this.on.open(row.item);
      }
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      const to = e.key === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling;
      if (to instanceof HTMLTableRowElement) {
        e.preventDefault();
        to.focus();
      }
    } else if (e.key === "Home" || e.key === "End") {
      const to = e.key === "Home" ? this.tbody.firstElementChild : this.tbody.lastElementChild;
      if (to instanceof HTMLTableRowElement) {
        e.preventDefault();
        to.focus();
      }
    }
  }
}
