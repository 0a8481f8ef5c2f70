import { headerParam, uriEquals } from "@uacreg/sip";

/** One registered contact of an address-of-record (RFC 3261 §10.3). */
export interface Binding {
  /** The AOR, normalized as `sip:user@host` (the To URI without parameters, lower-case host). */
  readonly aor: string;
  /** The Contact URI as the UA sent it. */
  readonly contact: string;
  /** The Contact header parameters other than `expires` (e.g. `;reg-id=1;+sip.instance="<urn:…>"`), as sent. */
  readonly params: string;
  /** RFC 5626 instance (`+sip.instance`, without quotes) and reg-id, when the UA sent both. */
  readonly instance?: string;
  readonly regId?: string;
  readonly callId: string;
  readonly cseq: number;
  /** Absolute expiry, epoch milliseconds. */
  readonly expiresAt: number;
}

/** What a REGISTER asks for one contact: the granted expiry (seconds) is decided by the caller. */
export interface BindingUpdate {
  contact: string;
  params: string;
  paramMap: ReadonlyMap<string, string | null>;
  expires: number;
}

/** Why a REGISTER may not change the bindings (RFC 3261 §10.3 step 7). */
export type BindingRejection = "out-of-order";

/**
 * The location table: AOR → bindings, in memory. Pure: the caller passes `now`.
 *
 * Binding identity: RFC 5626 §6 (instance + reg-id) when both are present, else the Contact URI compared as
 * RFC 3261 §19.1.4 says.
 */
export class BindingTable {
  private readonly byAor = new Map<string, Binding[]>();

  /** Live bindings of one AOR (expired ones are dropped on the way). */
  get(aor: string, now: number): Binding[] {
    const list = this.byAor.get(aor);
    if (!list) return [];
    const live = list.filter((b) => b.expiresAt > now);
    if (live.length !== list.length) {
      if (live.length === 0) this.byAor.delete(aor);
      else this.byAor.set(aor, live);
    }
    return live;
  }

  /** Every live binding, AOR by AOR. */
  all(now: number): Binding[] {
    const out: Binding[] = [];
    for (const aor of [...this.byAor.keys()]) out.push(...this.get(aor, now));
    return out;
  }

  /** `Contact: *` with `Expires: 0` (RFC 3261 §10.3 step 6): removes every binding of the AOR unless one of them has
   * the same Call-ID with a CSeq not lower than the request's. */
  removeAll(aor: string, callId: string, cseq: number, now: number): BindingRejection | undefined {
    const live = this.get(aor, now);
    if (live.some((b) => b.callId === callId && b.cseq >= cseq)) return "out-of-order";
    this.byAor.delete(aor);
    return undefined;
  }

  /**
   * Applies the contacts of one REGISTER atomically (RFC 3261 §10.3 step 7): each contact is added, refreshed, or
   * removed when its expires is 0. Nothing changes if any contact fails the Call-ID/CSeq check.
   */
  apply(
    aor: string,
    updates: readonly BindingUpdate[],
    callId: string,
    cseq: number,
    now: number,
  ): BindingRejection | undefined {
    const list = [...this.get(aor, now)];
    const plan: Array<{ index: number; update: BindingUpdate }> = [];
    for (const update of updates) {
      const index = list.findIndex((b) => sameBinding(b, update));
      const existing = index >= 0 ? list[index] : undefined;
      if (existing && existing.callId === callId && existing.cseq >= cseq) return "out-of-order";
      plan.push({ index, update });
    }
    const removed = new Set<number>();
    for (const { index, update } of plan) {
      const instance = paramText(update.paramMap, "+sip.instance");
      const regId = paramText(update.paramMap, "reg-id");
      const binding: Binding = {
        aor,
        contact: update.contact,
        params: update.params,
        ...(instance !== undefined && regId !== undefined ? { instance, regId } : {}),
        callId,
        cseq,
        expiresAt: now + update.expires * 1000,
      };
      if (update.expires === 0) {
        if (index >= 0) removed.add(index);
      } else if (index >= 0) list[index] = binding;
      else list.push(binding);
    }
    const next = list.filter((_, i) => !removed.has(i));
    if (next.length === 0) this.byAor.delete(aor);
    else this.byAor.set(aor, next);
    return undefined;
  }
}

function paramText(params: ReadonlyMap<string, string | null>, name: string): string | undefined {
  const v = headerParam(params, name);
  if (typeof v !== "string") return undefined;
  return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v;
}

function sameBinding(b: Binding, u: BindingUpdate): boolean {
  const instance = paramText(u.paramMap, "+sip.instance");
  const regId = paramText(u.paramMap, "reg-id");
  if (instance !== undefined && regId !== undefined && b.instance !== undefined) {
    return b.instance === instance && b.regId === regId;
  }
  try {
    return uriEquals(b.contact, u.contact);
  } catch {
    return b.contact === u.contact;
  }
}
