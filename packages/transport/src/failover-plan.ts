import { isIP } from "node:net";
import { parseNextHop } from "./next-hop.js";
import type { Target } from "./rfc3263-resolver.js";
import type { SocketSpec } from "./socket-spec.js";

/** A local socket as the plan sees it: only its spec. */
export interface PlanSocket {
  readonly spec: SocketSpec;
}

/** One attempt of a send: a target and the local socket it leaves from (a tuple: one small array per pair). */
export type Attempt<S extends PlanSocket> = readonly [Target, S];

/** Where a send goes when no DNS is involved: the destination a record pinned (a final reply came from it). */
export interface PinnedDestination {
  readonly proto: Target["proto"];
  readonly address: string;
  readonly port: number;
}

const NO_ATTEMPTS: never[] = [];

/**
 * The RFC 3263 failover plan, pure (targets in, attempts out; no I/O, no clock): which local socket sends to which
 * target, in the order of the resolved targets, and whether an attempt that ended moves on to the next one
 * (RFC 3263 §4.3: after a 503, a timeout or a transport error, with a new branch).
 *
 * The sockets never change after the transport opened them, so a target list shared by later sends (a resolver's
 * cached list, a pin) always gets the same plan: it is computed once and kept.
 */
export class FailoverPlanner<S extends PlanSocket> {
  /** The plan of each shared target list. */
  private readonly plans = new WeakMap<readonly Target[], Array<Attempt<S>>>();
  /** By next-hop text: its host name (RFC 5922 identity; undefined for a numeric host) and the last pinned target. */
  private readonly pins = new Map<string, { name: string | undefined; targets: readonly Target[] }>();

  constructor(private readonly sockets: readonly S[]) {}

  /**
   * Pairs each target with a local socket of its protocol and address family. A forced socket restricts the targets
   * to those it can reach; when it reaches none, it is ignored and a socket is chosen per target (as OpenSIPS does,
   * docs/opensips-behaviour.md §4.3): {@link forcedIgnored} tells. `shared`: the list is reused by later sends.
   */
  plan(targets: readonly Target[], forced: S | undefined, shared: boolean): ReadonlyArray<Attempt<S>> {
    if (!shared || forced !== undefined) return this.pair(targets, forced);
    let plan = this.plans.get(targets);
    if (plan === undefined) {
      plan = this.pair(targets, undefined);
      this.plans.set(targets, plan);
    }
    return plan;
  }

  /** True when `plan` was made for `forced` but leaves from other sockets (the forced one reaches no target). */
  forcedIgnored(plan: ReadonlyArray<Attempt<S>>, forced: S | undefined): boolean {
    return forced !== undefined && plan.length > 0 && plan[0]![1] !== forced;
  }

  /**
   * The pinned destination as a one-target list. It keeps the next hop's host name, so TLS still checks the
   * certificate against the domain (RFC 5922) and not against the pinned IP address. The name is read once per next
   * hop, and the list is kept while the pin stays the same (so is its plan).
   */
  pinnedTargets(nextHop: string, d: PinnedDestination): readonly Target[] {
    let pin = this.pins.get(nextHop);
    if (pin !== undefined) {
      const t = pin.targets[0]!;
      if (t.port === d.port && t.address === d.address && t.proto === d.proto) return pin.targets;
    }
    const name = pin !== undefined ? pin.name : nextHopName(nextHop);
    const target: Target =
      name === undefined
        ? { proto: d.proto, address: d.address, port: d.port }
        : { proto: d.proto, address: d.address, port: d.port, hostname: name };
    pin = { name, targets: [target] };
    if (this.pins.size >= 4096) this.pins.clear();
    this.pins.set(nextHop, pin);
    return pin.targets;
  }

  private pair(targets: readonly Target[], forced: S | undefined): Array<Attempt<S>> {
    if (targets.length === 0) return NO_ATTEMPTS;
    const out: Array<Attempt<S>> = [];
    if (forced !== undefined) {
      for (const t of targets) {
        if (t.proto === forced.spec.proto && familyOf(t.address) === forced.spec.family) out.push([t, forced]);
      }
      if (out.length > 0) return out;
    }
    for (const t of targets) {
      const family = familyOf(t.address);
      for (const s of this.sockets) {
        if (s.spec.proto === t.proto && s.spec.family === family) {
          out.push([t, s]);
          break;
        }
      }
    }
    return out;
  }
}

/**
 * The index of the attempt after `attempt` when the one that ended with this status (undefined: a timeout or a
 * transport error) moves on (RFC 3263 §4.3: a 503, a timeout or a transport error, while targets remain), else
 * undefined: the send ends with this outcome.
 */
export function nextAttempt(attempt: number, planLength: number, status: number | undefined): number | undefined {
  if (attempt + 1 >= planLength) return undefined;
  if (status !== undefined && status !== 503) return undefined;
  return attempt + 1;
}

/** Address family of an IP address (targets are IP addresses: only IPv6 has a colon). */
function familyOf(address: string): 4 | 6 {
  return address.includes(":") ? 6 : 4;
}

/** The host name of a next-hop URI, or undefined when it is an IP address or does not parse. */
function nextHopName(nextHop: string): string | undefined {
  try {
    const host = parseNextHop(nextHop).host;
    if (isIP(host) === 0) return host;
  } catch {
    // an unparsable next hop only loses the name check
  }
  return undefined;
}
