/**
 * The detail view of one record: every field the API gives (never a password: "set" / "not set"), its actions, and
 * its recent history (the state changes with reasons the daemon keeps in memory), newest first.
 */
import { byId, h, setText } from "./dom.js";
import { formatExpiry, formatReply, formatSince, formatTime, stateLabel, stateSymbol, stateTone } from "./format.js";
import type { RecordAction, RecordDetail } from "./types.js";

export class DetailView {
  private readonly dialog = byId<HTMLDialogElement>("detail");
  private readonly body = byId("detail-body");
  /** The id shown, while the dialog is open. */
  openId: string | null = null;
  private shown: RecordDetail | null = null;
  private sinceCell: HTMLElement | null = null;
  private expiresCell: HTMLElement | null = null;

  constructor(private readonly act: (record: RecordDetail, action: RecordAction) => void) {
    this.dialog.addEventListener("close", () => {
      this.openId = null;
    });
  }

  show(record: RecordDetail, now: number): void {
    this.render(record, now);
    this.openId = record.id;
    if (!this.dialog.open) {
      this.dialog.showModal();
      this.dialog.querySelector<HTMLButtonElement>("button[data-close]")?.focus();
    }
  }

  /** The 1-second tick: the time in state and the expiry countdown of the open record. */
  tick(now: number): void {
    if (this.openId === null || this.shown === null) return;
    if (this.sinceCell) setText(this.sinceCell, formatSince(this.shown.since, now));
    if (this.expiresCell) setText(this.expiresCell, formatExpiry(this.shown.expiresAt, now));
  }

  close(): void {
    if (this.dialog.open) this.dialog.close();
  }

  /** Re-draws the open record (after a state event or an action), keeping focus on the same button. */
  refresh(record: RecordDetail, now: number): void {
    if (this.openId !== record.id) return;
    const focusedAction = (document.activeElement as HTMLElement | null)?.dataset?.action;
    this.render(record, now);
    if (focusedAction !== undefined) {
      this.body.querySelector<HTMLButtonElement>(`button[data-action="${focusedAction}"]`)?.focus();
    }
  }

  private render(r: RecordDetail, now: number): void {
    this.shown = r;
    byId("detail-h").textContent = r.aor;
    const tone = r.enabled ? stateTone(r.state) : "idle";
    const cells = new Map<string, HTMLElement>();
    const field = (name: string, value: string, mono = false) => {
      const dd = h("dd", { class: mono ? "mono" : undefined, text: value });
      cells.set(name, dd);
      return h("div", {}, h("dt", { text: name }), dd);
    };
    const fields = h(
      "dl",
      { class: "fields" },
      field("State", `${stateLabel(r.state)}${r.enabled ? "" : " (disabled)"}`),
      field("Enabled", r.enabled ? "yes" : "no"),
      field("In this state", formatSince(r.since, now)),
      field("Since", r.since === null ? "—" : formatTime(r.since)),
      field("Last reply", formatReply(r.lastReply)),
      field("Expires", formatExpiry(r.expiresAt, now)),
      field("AOR", r.aor, true),
      field("Contact", r.contact, true),
      field("Registrar", r.registrar, true),
      field("Proxy", r.proxy ?? "—", true),
      field("Binding", r.binding, true),
      field("Password", r.passwordSet ? "set" : "not set"),
      r.shtag !== undefined && field("Sharing tag", r.shtag),
    );
    this.sinceCell = cells.get("In this state") ?? null;
    this.expiresCell = cells.get("Expires") ?? null;
    const button = (action: RecordAction, label: string, disabled = false) => {
      const b = h("button", { type: "button", class: "secondary", "data-action": action, text: label, disabled });
      b.addEventListener("click", () => this.act(r, action));
      return b;
    };
    const actions = h(
      "div",
      { class: "actions" },
      r.enabled ? button("disable", "Disable") : button("enable", "Enable"),
      button("force-register", "Register now", !r.enabled),
      button("reload", "Reload from database"),
    );
    const history = [...r.history].reverse();
    const historyTable =
      history.length === 0
        ? h("p", { class: "empty", text: "No state change recorded yet." })
        : h(
            "table",
            { class: "history" },
            h("caption", { text: "Recent state changes, newest first" }),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col", text: "Time" }),
                h("th", { scope: "col", text: "From" }),
                h("th", { scope: "col", text: "To" }),
                h("th", { scope: "col", text: "Reason" }),
              ),
            ),
            h(
              "tbody",
              {},
              ...history.map((e) =>
                h(
                  "tr",
                  {},
                  h("td", { "data-label": "Time", text: formatTime(e.at) }),
                  h("td", { "data-label": "From", text: stateLabel(e.from) }),
                  h(
                    "td",
                    { "data-label": "To" },
                    h("span", {
                      class: `badge tone-${stateTone(e.to)}`,
                      text: `${stateSymbol(e.to)} ${stateLabel(e.to)}`,
                    }),
                  ),
                  h("td", { "data-label": "Reason", text: e.reason }),
                ),
              ),
            ),
          );
    this.body.replaceChildren(
      h(
        "p",
        {},
        h("span", { class: `badge big tone-${tone}`, text: `${stateSymbol(r.state)} ${stateLabel(r.state)}` }),
      ),
      actions,
      fields,
      h("h3", { text: "History" }),
      historyTable,
    );
  }
}
