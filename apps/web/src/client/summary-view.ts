/** The top of the page: records per state (buttons that filter the table), registration success, loop lag, node. */
import { byId, h, setText } from "./dom.js";
import { formatCount, formatMs, formatRatio, stateLabel, stateSymbol, stateTone } from "./format.js";
import { FAILURE_STATES, STATE_NAMES, type Summary } from "./types.js";

/** The order of the counts: registered, the failures, not registered, then the states inside a transaction. */
export const COUNT_ORDER: readonly string[] = [
  "REGISTERED_STATE",
  ...FAILURE_STATES,
  "NOT_REGISTERED_STATE",
  ...STATE_NAMES.filter((s) => s !== "REGISTERED_STATE" && s !== "NOT_REGISTERED_STATE" && !FAILURE_STATES.includes(s)),
];

export class SummaryView {
  private readonly counts = byId<HTMLUListElement>("counts");
  private readonly items = new Map<string, { li: HTMLLIElement; button: HTMLButtonElement; n: HTMLElement }>();

  constructor(private readonly onPick: (state: string) => void) {}

  /** Shows a summary; `activeFilter` marks the count whose state the table is filtered on. */
  render(s: Summary, activeFilter: string): void {
    const names = [...COUNT_ORDER, ...Object.keys(s.states).filter((k) => !COUNT_ORDER.includes(k))];
    for (const state of names) {
      const n = (s.states as Readonly<Record<string, number>>)[state] ?? 0;
      let item = this.items.get(state);
      if (item === undefined) item = this.add(state);
      setText(item.n, formatCount(n));
      item.li.classList.toggle("zero", n === 0);
      // A state inside a transaction (registering, unregistering …) at 0 is hidden: it says nothing about health.
      item.li.hidden = n === 0 && stateTone(state) === "busy";
      item.button.setAttribute("aria-pressed", String(activeFilter === state));
    }
    setText(byId("total"), formatCount(s.total));
    const w = s.success.windowSeconds;
    setText(byId("success-label"), `Registration success, last ${w % 60 === 0 ? `${w / 60} min` : `${w} s`}`);
    setText(
      byId("success"),
      `${formatRatio(s.success.ratio)} (${formatCount(s.success.ok)} ok, ${formatCount(s.success.failed)} failed)`,
    );
    const lag = s.eventLoopLagMs;
    setText(byId("lag"), `p50 ${formatMs(lag.p50)} · p99 ${formatMs(lag.p99)} · max ${formatMs(lag.max)}`);
    const node = byId("node");
    node.hidden = s.node === null;
    setText(node, s.node === null ? "" : `Node ${s.node}`);
    byId("not-ready").hidden = s.ready;
  }

  /** Moves one record from one count to another at once (a state event), before the next summary corrects it. */
  move(from: string, to: string): void {
    for (const [state, delta] of [
      [from, -1],
      [to, 1],
    ] as const) {
      const item = this.items.get(state);
      if (item === undefined) continue;
      const n = Number((item.n.textContent ?? "0").replace(/,/g, "")) + delta;
      setText(item.n, formatCount(Math.max(0, n)));
      item.li.classList.toggle("zero", n <= 0);
      item.li.hidden = n <= 0 && stateTone(state) === "busy";
    }
  }

  private add(state: string) {
    const n = h("span", { class: "n" });
    const button = h(
      "button",
      { type: "button", class: `count tone-${stateTone(state)}`, title: `Show only ${stateLabel(state)}` },
      h("span", { class: "sym", "aria-hidden": "true", text: stateSymbol(state) }),
      h("span", { class: "name", text: stateLabel(state) }),
      n,
    );
    button.addEventListener("click", () => this.onPick(state));
    const li = h("li", {}, button);
    this.counts.append(li);
    const item = { li, button, n };
    this.items.set(state, item);
    return item;
  }
}
