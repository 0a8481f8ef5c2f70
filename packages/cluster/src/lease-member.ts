import { type Clock, delay, type TimerHandle, within } from "@uacreg/runtime";
import { rendezvousOwner } from "./bucket-hash.js";
import { NodeNameInUseError } from "./lease-member-errors.js";
import type { ClusterSnapshot, LeaseRow, LeaseStore, MemberRow, NodeIdentity } from "./lease-store.js";
import { DEFAULT_LEASE_TIMING, type LeaseTiming, validateLeaseTiming } from "./lease-timing.js";

/** Why a unit stopped being owned here. */
export type LossReason =
  /** handed to the node it is wanted on (rebalance, preferred node), docs/cluster.md §3.5 */
  | "handoff"
  /** a snapshot showed it with another owner or epoch, docs/cluster.md §3.4 */
  | "taken"
  /** the trust deadline passed, docs/cluster.md §3.3 */
  | "fenced"
  /** a renew found the session expired or replaced, docs/cluster.md §3.4 */
  | "session-lost"
  /** released by `drain()` or `leave()`, docs/cluster.md §3.8 */
  | "released";

/** What the engine hears from a {@link LeaseMember}; called synchronously, in order. */
export interface LeaseListener {
  /** The unit is owned here at `epoch`: its records may register (after the takeover reservation, §4). */
  gained(unit: string, epoch: number): void;
  /** The unit is no longer owned here: stop sending for it at once (docs/cluster.md §6). */
  lost(unit: string, reason: LossReason): void;
  /** A session started (at start-up and after each rejoin). */
  joined?(incarnation: string): void;
  /** Everything was fenced; a new incarnation will join. */
  fenced?(reason: "deadline" | "session-lost"): void;
  /** A rejoin found the name held by another live process: this member stops. */
  refused?(error: NodeNameInUseError): void;
}

/** The state shown by `cluster_status`. */
export type MemberState = "idle" | "joining" | "member" | "draining" | "fenced" | "refused" | "left";

/** Options of {@link LeaseMember}. */
export interface LeaseMemberOptions {
  readonly store: LeaseStore;
  readonly clock: Clock;
  /** Uniform in [0, 1): poll jitter and incarnations (the package never calls Math.random). */
  readonly random: () => number;
  /** The configured node name. */
  readonly name: string;
  /** Where this node's MI/SIP listens, shown to the others (informative). */
  readonly address: string;
  readonly timing?: Partial<LeaseTiming>;
  /** `auto` (default): rendezvous assignment; `manual`: only units whose `preferred` names this node. */
  readonly mode?: "auto" | "manual";
  readonly listener?: LeaseListener;
}

/** Counters for the metrics (docs/cluster.md §3; issue 11 "Metrics"). */
export interface LeaseCounters {
  renewOk: number;
  renewFailed: number;
  renewUnknown: number;
  /** Round trip of the last successful renew, ms (monotonic clock). */
  renewLatencyMs: number;
  renewLatencyTotalMs: number;
  joins: number;
  fences: number;
  claims: number;
  claimsUnknown: number;
  releases: number;
  gained: number;
  lost: Record<LossReason, number>;
}

/** `cluster_status` of this node. */
export interface LeaseMemberStatus {
  readonly name: string;
  readonly incarnation: string;
  readonly state: MemberState;
  /** ms left before the trust deadline (0 when not trusted). */
  readonly trustLeftMs: number;
  /** Database clock minus this node's wall clock, ms, from the last snapshot (undefined before one). */
  readonly dbClockOffsetMs: number | undefined;
  readonly members: ReadonlyArray<MemberRow & { readonly live: boolean }>;
  readonly leases: readonly LeaseRow[];
}

type Answer<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

const key = (n: NodeIdentity) => `${n.name}\0${n.incarnation}`;

/**
 * One node's side of the lease protocol (docs/cluster.md §3): join with a fresh incarnation, renew every R with the
 * trust deadline t0 + L − M taken from when the renew was SENT, one timer that fences everything at that deadline,
 * polls every P ±20 % that claim free units wanted here, hand off the ones wanted elsewhere (stop first, then
 * release) and drop the ones another node holds; a lost session rejoins as a new incarnation.
 *
 * Every database call ends, answered or abandoned, within min(statement_timeout_ms, trust left) of being sent, so it
 * ends by the trust deadline of the session that sent it; a new incarnation joins no earlier than that deadline, so no
 * answer is ever applied to a later session (§3.6 "request timeout longer than the lease").
 */
export class LeaseMember {
  readonly timing: LeaseTiming;
  readonly mode: "auto" | "manual";
  readonly #store: LeaseStore;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #address: string;
  readonly #listener: LeaseListener | undefined;
  #me: NodeIdentity;
  readonly #past = new Set<string>();
  #state: MemberState = "idle";
  #trustDeadline = Number.NEGATIVE_INFINITY;
  #deadlineTimer: TimerHandle | undefined;
  #renewTimer: TimerHandle | undefined;
  #pollTimer: TimerHandle | undefined;
  #rejoinTimer: TimerHandle | undefined;
  #renewing = false;
  #polling = false;
  #pollAgain = false;
  /** Event sequence: tells a snapshot sent before an acquisition from one sent after. */
  #seq = 0;
  readonly #held = new Map<string, { epoch: number; seq: number }>();
  /** When the recent handoffs started (monotonic ms): at most `maxHandoffs` in any `pollMs` (docs/cluster.md §3.5). */
  #handoffTimes: number[] = [];
  readonly #pending = new Set<string>();
  readonly #unknownClaims = new Map<string, number>();
  readonly #units = new Set<string>();
  readonly #ensured = new Set<string>();
  #draining = false;
  #snapshot: ClusterSnapshot | undefined;
  #dbOffset: number | undefined;
  readonly #counters: LeaseCounters = {
    renewOk: 0,
    renewFailed: 0,
    renewUnknown: 0,
    renewLatencyMs: 0,
    renewLatencyTotalMs: 0,
    joins: 0,
    fences: 0,
    claims: 0,
    claimsUnknown: 0,
    releases: 0,
    gained: 0,
    lost: { handoff: 0, taken: 0, fenced: 0, "session-lost": 0, released: 0 },
  };

  /** @throws LeaseParameterError when the timing breaks a rule of docs/cluster.md §3.6 */
  constructor(options: LeaseMemberOptions) {
    this.timing = validateLeaseTiming({ ...DEFAULT_LEASE_TIMING, ...options.timing });
    this.mode = options.mode ?? "auto";
    this.#store = options.store;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#address = options.address;
    this.#listener = options.listener;
    this.#me = { name: options.name, incarnation: this.#newIncarnation() };
  }

  /** This process's identity (the incarnation changes after a lost session). */
  get identity(): NodeIdentity {
    return this.#me;
  }

  get state(): MemberState {
    return this.#state;
  }

  /**
   * Joins the cluster (docs/cluster.md §3.1), retrying every R while the database does not answer.
   * @throws NodeNameInUseError when a live session of this name belongs to another process
   */
  async start(): Promise<void> {
    if (this.#state !== "idle") return;
    this.#state = "joining";
    for (;;) {
      const result = await this.#join();
      if (result === "joined") return;
      if (result instanceof NodeNameInUseError) throw result;
      await delay(this.#clock, this.timing.renewMs);
      if (this.#state !== "joining") return;
    }
  }

  /**
   * The send guard's question (docs/cluster.md §6), synchronous: is `unit` held here at `epoch` and is the trust
   * deadline still ahead on this node's clock?
   */
  mayWrite(unit: string, epoch: number): boolean {
    return this.#held.get(unit)?.epoch === epoch && this.#trusted();
  }

  /** The units held here while trusted. */
  ownedUnits(): string[] {
    return this.#trusted() ? [...this.#held.keys()] : [];
  }

  /** The epoch a unit is held at here, or undefined. */
  epochOf(unit: string): number | undefined {
    return this.#trusted() ? this.#held.get(unit)?.epoch : undefined;
  }

  /** Tells the member which units exist (tags seen in records, buckets); new ones get a lease row. */
  setUnits(units: Iterable<string>): void {
    for (const unit of units) this.#units.add(unit);
    if (this.#trusted()) this.#ensureUnits();
  }

  /** Polls at once (PostgreSQL NOTIFY on `uacreg_cluster`, docs/cluster.md §3.5). */
  requestNow(): void {
    if (!this.#trusted()) return;
    if (this.#polling) this.#pollAgain = true;
    else void this.#poll();
  }

  /**
   * `cluster_drain`: stays a member but wants nothing (docs/cluster.md §3.5): marks the session draining so no node
   * wants it, stops and releases every unit held here.
   */
  async drain(): Promise<void> {
    if (this.#state !== "member") return;
    this.#draining = true;
    this.#state = "draining";
    const marked = this.#call(() => this.#store.setDraining(this.#me, true));
    const releases = [...this.#held].map(([unit, h]) => this.#handOff(unit, h.epoch, "released"));
    await Promise.all([marked, ...releases]);
  }

  /** Ends a drain: the node is a wanted owner again. */
  async undrain(): Promise<void> {
    if (this.#state !== "draining") return;
    this.#draining = false;
    this.#state = "member";
    await this.#call(() => this.#store.setDraining(this.#me, false));
    this.requestNow();
  }

  /**
   * Graceful stop (docs/cluster.md §3.8): stops every unit, then releases every lease and deletes the session row in
   * one call. True when the database confirmed it.
   */
  async leave(): Promise<boolean> {
    const wasMember = this.#state === "member" || this.#state === "draining";
    this.#stopTimers();
    this.#rejoinTimer?.cancel();
    this.#loseAll("released");
    this.#state = "left";
    this.#trustDeadline = Number.NEGATIVE_INFINITY;
    if (!wasMember) return false;
    return (await this.#call(() => this.#store.leave(this.#me))).ok;
  }

  /** A copy of the counters. */
  counters(): LeaseCounters {
    return { ...this.#counters, lost: { ...this.#counters.lost } };
  }

  /** `cluster_status` (issue 11 "Operators"). */
  status(): LeaseMemberStatus {
    const snap = this.#snapshot;
    return {
      name: this.#me.name,
      incarnation: this.#me.incarnation,
      state: this.#state,
      trustLeftMs: Math.max(0, this.#trustDeadline - this.#clock.now()),
      dbClockOffsetMs: this.#dbOffset,
      members: (snap?.members ?? []).map((m) => ({ ...m, live: m.expiresAt > snap!.dbNow })),
      leases: snap?.leases ?? [],
    };
  }

  #trusted(): boolean {
    return (this.#state === "member" || this.#state === "draining") && this.#clock.now() < this.#trustDeadline;
  }

  #newIncarnation(): string {
    let text = "";
    for (let i = 0; i < 4; i++) {
      text += Math.floor(this.#random() * 0x10000)
        .toString(16)
        .padStart(4, "0");
    }
    return text;
  }

  /**
   * One database call, abandoned (unknown) after min(statement_timeout_ms, trust left) while trusted, else after
   * statement_timeout_ms (docs/cluster.md §3.3).
   */
  #call<T>(run: () => Promise<T>): Promise<Answer<T>> {
    const trusted = this.#state === "member" || this.#state === "draining";
    const left = this.#trustDeadline - this.#clock.now();
    const budget = trusted ? Math.min(this.timing.statementTimeoutMs, left) : this.timing.statementTimeoutMs;
    // A store that throws, rejects or does not answer in time: an unknown outcome all the same.
    return within(this.#clock, budget, run).then((r) =>
      r.kind === "value" ? { ok: true, value: r.value } : { ok: false },
    );
  }

  /** One join attempt: "joined", the refusal, or undefined when the database did not answer / the name is ours. */
  async #join(): Promise<"joined" | NodeNameInUseError | undefined> {
    const t0 = this.#clock.now();
    const answer = await this.#call(() => this.#store.join(this.#me, this.timing.leaseMs, this.#address));
    if (!answer.ok) return undefined;
    const result = answer.value;
    if (this.#state === "left") {
      // leave() was called while the join was on its way: undo it.
      if (result.kind === "joined") void this.#call(() => this.#store.leave(this.#me));
      return undefined;
    }
    if (result.kind === "name-in-use") {
      // Our own previous incarnation, not yet expired after a fence: wait for it.
      if (this.#past.has(result.incarnation)) return undefined;
      return new NodeNameInUseError(this.#me.name, result.incarnation, result.expiresAt - result.dbNow);
    }
    this.#counters.joins++;
    // A drain outlives a lost session: the new incarnation is marked draining too.
    this.#state = this.#draining ? "draining" : "member";
    if (this.#draining) void this.#call(() => this.#store.setDraining(this.#me, true));
    this.#ensured.clear();
    this.#extendTrust(t0);
    this.#renewTimer = this.#clock.setTimer(this.timing.renewMs, () => this.#renewTick());
    this.#listener?.joined?.(this.#me.incarnation);
    this.#ensureUnits();
    void this.#poll();
    return "joined";
  }

  #extendTrust(sentAt: number): void {
    const deadline = sentAt + this.timing.leaseMs - this.timing.marginMs;
    if (deadline <= this.#trustDeadline) return;
    this.#trustDeadline = deadline;
    this.#deadlineTimer?.cancel();
    this.#deadlineTimer = this.#clock.setTimer(deadline - this.#clock.now(), () => this.#onDeadline());
  }

  /** The one timer of docs/cluster.md §3.3: at the trust deadline everything is fenced at once. */
  #onDeadline(): void {
    this.#deadlineTimer = undefined;
    if (this.#state !== "member" && this.#state !== "draining") return;
    if (this.#clock.now() < this.#trustDeadline) {
      this.#deadlineTimer = this.#clock.setTimer(this.#trustDeadline - this.#clock.now(), () => this.#onDeadline());
      return;
    }
    this.#fence("deadline");
  }

  #renewTick(): void {
    this.#renewTimer = this.#clock.setTimer(this.timing.renewMs, () => this.#renewTick());
    if (this.#renewing) return;
    this.#renewing = true;
    const t0 = this.#clock.now();
    void this.#call(() => this.#store.renew(this.#me, this.timing.leaseMs)).then((answer) => {
      this.#renewing = false;
      if (this.#state !== "member" && this.#state !== "draining") return;
      if (!answer.ok) {
        this.#counters.renewUnknown++;
        return;
      }
      if (!answer.value) {
        this.#counters.renewFailed++;
        this.#fence("session-lost");
        return;
      }
      this.#counters.renewOk++;
      const latency = this.#clock.now() - t0;
      this.#counters.renewLatencyMs = latency;
      this.#counters.renewLatencyTotalMs += latency;
      this.#extendTrust(t0);
    });
  }

  #stopTimers(): void {
    for (const timer of [this.#deadlineTimer, this.#renewTimer, this.#pollTimer]) timer?.cancel();
    this.#deadlineTimer = this.#renewTimer = this.#pollTimer = undefined;
  }

  #loseAll(reason: LossReason): void {
    const units = [...this.#held.keys()];
    this.#held.clear();
    for (const unit of units) this.#lose(unit, reason);
  }

  #lose(unit: string, reason: LossReason): void {
    this.#held.delete(unit);
    this.#counters.lost[reason]++;
    this.#listener?.lost(unit, reason);
  }

  /**
   * Fences everything (docs/cluster.md §3.3, §3.4) and rejoins as a new incarnation, no earlier than the old trust
   * deadline: by then every call of the old session has ended.
   */
  #fence(reason: "deadline" | "session-lost"): void {
    this.#counters.fences++;
    const rejoinAt = Math.max(this.#clock.now(), this.#trustDeadline);
    this.#state = "fenced";
    this.#trustDeadline = Number.NEGATIVE_INFINITY;
    this.#stopTimers();
    this.#loseAll(reason === "deadline" ? "fenced" : "session-lost");
    this.#pending.clear();
    this.#unknownClaims.clear();
    this.#past.add(this.#me.incarnation);
    this.#me = { name: this.#me.name, incarnation: this.#newIncarnation() };
    this.#listener?.fenced?.(reason);
    this.#rejoinTimer = this.#clock.setTimer(rejoinAt - this.#clock.now(), () => void this.#rejoin());
  }

  async #rejoin(): Promise<void> {
    this.#rejoinTimer = undefined;
    if (this.#state !== "fenced") return;
    const result = await this.#join();
    if (result === "joined" || this.#state !== "fenced") return;
    if (result instanceof NodeNameInUseError) {
      this.#state = "refused";
      this.#listener?.refused?.(result);
      return;
    }
    this.#rejoinTimer = this.#clock.setTimer(this.timing.renewMs, () => void this.#rejoin());
  }

  #armPoll(): void {
    this.#pollTimer?.cancel();
    const jitter = 0.8 + 0.4 * this.#random();
    this.#pollTimer = this.#clock.setTimer(this.timing.pollMs * jitter, () => {
      this.#pollTimer = undefined;
      this.requestNow();
    });
  }

  async #poll(): Promise<void> {
    this.#armPoll();
    this.#polling = true;
    const sentSeq = ++this.#seq;
    const wallSent = this.#clock.wallNow();
    const answer = await this.#call(() => this.#store.snapshot());
    this.#polling = false;
    if (answer.ok && this.#trusted()) {
      this.#dbOffset = answer.value.dbNow - (wallSent + this.#clock.wallNow()) / 2;
      this.#apply(answer.value, sentSeq);
    }
    if (this.#pollAgain) {
      this.#pollAgain = false;
      this.requestNow();
    }
  }

  #ensureUnits(): void {
    const missing = [...this.#units].filter((u) => !this.#ensured.has(u));
    if (missing.length === 0) return;
    for (const unit of missing) this.#ensured.add(unit);
    void this.#call(() => this.#store.ensureUnits(missing)).then((answer) => {
      if (!answer.ok) for (const unit of missing) this.#ensured.delete(unit);
    });
  }

  /** The node a unit should run on (docs/cluster.md §3.5), among live members that are not draining. */
  #wanted(row: LeaseRow, candidates: ReadonlySet<string>): string | undefined {
    if (row.preferred !== undefined && candidates.has(row.preferred)) return row.preferred;
    if (this.mode === "manual") return undefined;
    return rendezvousOwner(row.unit, candidates);
  }

  /** Acts on one snapshot (docs/cluster.md §3.4, §3.5). */
  #apply(snap: ClusterSnapshot, sentSeq: number): void {
    this.#snapshot = snap;
    const live = snap.members.filter((m) => m.expiresAt > snap.dbNow);
    const liveSessions = new Set(live.map(key));
    const candidates = new Set(
      live.filter((m) => !m.draining && !(m.name === this.#me.name && this.#draining)).map((m) => m.name),
    );
    const me = this.#me;
    // The handoff budget is per poll PERIOD, not per poll: polls made at once on NOTIFY (every release sends one)
    // must not reset it, or a join would move everything within milliseconds instead of in steps.
    const now = this.#clock.now();
    this.#handoffTimes = this.#handoffTimes.filter((t) => now - t < this.timing.pollMs);
    let handoffs = this.#handoffTimes.length;
    for (const row of snap.leases) {
      const unit = row.unit;
      if (this.#pending.has(unit)) continue;
      const held = this.#held.get(unit);
      const mine = row.owner !== undefined && key(row.owner) === key(me);
      const wanted = this.#draining ? undefined : this.#wanted(row, candidates);
      if (held !== undefined) {
        if (held.seq > sentSeq) continue; // acquired after this snapshot was read
        if (!mine || row.epoch !== held.epoch) {
          this.#lose(unit, "taken");
        } else if (wanted !== undefined && wanted !== me.name && handoffs < this.timing.maxHandoffs) {
          handoffs++;
          this.#handoffTimes.push(now);
          void this.#handOff(unit, held.epoch, "handoff");
        }
        continue;
      }
      if (mine) {
        // Shown as ours but not held: an unknown claim that took effect, or an unknown release that did not.
        const expected = this.#unknownClaims.get(unit);
        this.#unknownClaims.delete(unit);
        if (expected !== undefined && row.epoch === expected + 1 && wanted === me.name) this.#hold(unit, row.epoch);
        else void this.#release(unit, row.epoch);
        continue;
      }
      if (this.#unknownClaims.get(unit) !== row.epoch) this.#unknownClaims.delete(unit);
      const free = row.owner === undefined || !liveSessions.has(key(row.owner)) || row.owner.name === me.name;
      if (free && wanted === me.name) void this.#claim(unit, row.epoch);
    }
    const known = new Set(snap.leases.map((l) => l.unit));
    for (const unit of this.#units) if (!known.has(unit)) this.#ensured.delete(unit);
    this.#ensureUnits();
  }

  #hold(unit: string, epoch: number): void {
    this.#held.set(unit, { epoch, seq: ++this.#seq });
    this.#counters.gained++;
    this.#listener?.gained(unit, epoch);
  }

  async #claim(unit: string, epoch: number): Promise<void> {
    this.#pending.add(unit);
    this.#unknownClaims.delete(unit);
    const answer = await this.#call(() => this.#store.claim(this.#me, unit, epoch));
    this.#pending.delete(unit);
    if (!answer.ok) {
      this.#counters.claimsUnknown++;
      if (this.#trusted()) this.#unknownClaims.set(unit, epoch);
      return;
    }
    if (answer.value === undefined || !this.#trusted()) return;
    this.#counters.claims++;
    if (this.#draining) void this.#release(unit, answer.value);
    else this.#hold(unit, answer.value);
  }

  /** Stops the unit here FIRST, then releases it (docs/cluster.md §3.5). */
  async #handOff(unit: string, epoch: number, reason: LossReason): Promise<void> {
    this.#lose(unit, reason);
    await this.#release(unit, epoch);
  }

  async #release(unit: string, epoch: number): Promise<void> {
    this.#pending.add(unit);
    const answer = await this.#call(() => this.#store.release(this.#me, unit, epoch));
    this.#pending.delete(unit);
    if (answer.ok && answer.value) this.#counters.releases++;
  }
}
