/**
 * `cluster.backend: db` (docs/cluster.md §3–§7): this node's `LeaseMember` on the shared database, wired to the engine.
 *
 * - The member's gains and losses drive `engine.unitGained` / `engine.unitLost`; gains that arrive while the records
 *   are still loading are kept and replayed once they are loaded (at the epoch still held then).
 * - The engine's ownership ({@link LeaseOwnership}) and dialog marks (the lease store's `reserveUnit` / `saveDialog`
 *   bound to this node's current identity) come from here.
 * - PostgreSQL's NOTIFY on `uacreg_cluster` makes the member poll at once (docs/cluster.md §3.5).
 * - It answers the cluster MI commands (`ClusterControl` of @uacreg/cluster-mi).
 * - One log line per ownership change (unit, epoch, reason), fence, join and refused join.
 */
import {
  type LeaseCounters,
  type LeaseListener,
  LeaseMember,
  type LeaseStore,
  type LossReason,
  NodeNameInUseError,
  normalizeSharingTag,
  unitOfTag,
} from "@uacreg/cluster";
import type { ActivationResult, ClusterControl, ClusterStatusView, SharingTagState } from "@uacreg/cluster-mi";
import type { ClusterSection } from "@uacreg/config";
import type { DialogMarkStore, RegistrantEngine } from "@uacreg/engine";
import { type Clock, type Logger, within } from "@uacreg/runtime";
import { knownSharingTags } from "./known-sharing-tags.js";
import { LeaseOwnership } from "./lease-ownership.js";

/** A lease store, with PostgreSQL's LISTEN/NOTIFY when the engine has it (`SqlLeaseStore` of @uacreg/db). */
export interface ClusterStore extends LeaseStore {
  readonly notifier?:
    | {
        notify(): Promise<void>;
        listen(onNotify: () => void, onError?: (error: Error) => void): Promise<{ close(): Promise<void> }>;
      }
    | undefined;
}

/** A cluster MI command could not reach the database in time, or the node is not a member (yet). */
export class ClusterUnavailableError extends Error {
  override readonly name = "ClusterUnavailableError";
}

/** The engine calls the cluster driver makes (a subset of `RegistrantEngine`, so tests can pass a recorder). */
export type ClusterEngine = Pick<RegistrantEngine, "unitGained" | "unitLost" | "unitRecords">;

export interface LeaseClusterOptions {
  readonly section: ClusterSection;
  readonly clock: Clock;
  /** Uniform in [0, 1) (crypto in production). */
  readonly random: () => number;
  /** Where this node listens, shown to the others in `cluster_status`. */
  readonly address: string;
  readonly log: Logger;
}

/** Joins refused because a live process holds the name (start-up and rejoins). */
export interface LeaseClusterCounters {
  readonly refusedJoins: number;
}

export class LeaseCluster implements ClusterControl {
  readonly ownership: LeaseOwnership;
  readonly dialogs: DialogMarkStore;
  readonly #o: LeaseClusterOptions;
  #member: LeaseMember | undefined;
  #store: ClusterStore | undefined;
  #engine: ClusterEngine | undefined;
  #loaded = false;
  #stopping = false;
  /** Gains heard before the records were loaded: unit → epoch. */
  readonly #pending = new Map<string, number>();
  /** The epoch of every unit held here, for the loss's log line. */
  readonly #held = new Map<string, number>();
  #subscription: { close(): Promise<void> } | undefined;
  #refusedJoins = 0;

  constructor(options: LeaseClusterOptions) {
    this.#o = options;
    const { buckets, untagged } = options.section;
    this.ownership = new LeaseOwnership(() => this.#member, { buckets, untagged });
    const identity = () => this.#requireMember().identity;
    this.dialogs = {
      reserveUnit: (unit, epoch, block) => this.#requireStore().reserveUnit(identity(), unit, epoch, block),
      saveDialog: (unit, epoch, mark) => this.#requireStore().saveDialog(identity(), unit, epoch, mark),
    };
  }

  /** The member once {@link join} ran. */
  get member(): LeaseMember | undefined {
    return this.#member;
  }

  /**
   * Joins the cluster (retrying while the database does not answer), then makes the configured tags prefer this node
   * (docs/cluster.md §5) and listens for NOTIFY. The engine is told of gains only after {@link loaded}.
   * @throws NodeNameInUseError when a live process runs under this node's name
   */
  async join(store: ClusterStore, engine: ClusterEngine): Promise<void> {
    const { section, clock, random, address } = this.#o;
    this.#store = store;
    this.#engine = engine;
    const t = section.timing;
    const member = new LeaseMember({
      store,
      clock,
      random,
      name: section.node_name,
      address,
      mode: section.mode,
      timing: {
        leaseMs: t.lease_ms,
        renewMs: t.renew_ms,
        marginMs: t.margin_ms,
        pollMs: t.poll_ms,
        statementTimeoutMs: t.statement_timeout_ms,
        maxHandoffs: section.max_handoffs,
      },
      listener: this.#listener(),
    });
    this.#member = member;
    this.ownership.unitsChanged(new Set());
    try {
      await member.start();
    } catch (e) {
      if (e instanceof NodeNameInUseError) this.#refusedJoins++;
      throw e;
    }
    if (this.#stopping) return;
    for (const tag of section.active_tags) {
      await this.#prefer(unitOfTag(tag)).catch((e: unknown) =>
        this.#o.log.warn({ tag, err: String(e) }, "cluster: could not make a configured tag prefer this node"),
      );
    }
    // LISTEN in the background: NOTIFY only makes polls come sooner, so a slow LISTEN connection must never hold
    // the records' load back (it did under load: its connect has a 10 s timeout and the LISTEN none).
    if (store.notifier && !this.#stopping) void this.#listen(store.notifier, member);
  }

  async #listen(notifier: NonNullable<ClusterStore["notifier"]>, member: LeaseMember): Promise<void> {
    const subscription = await notifier
      .listen(
        () => member.requestNow(),
        (e) => this.#o.log.warn({ err: e.message }, "cluster: LISTEN lost; polling only"),
      )
      .catch((e: unknown) => {
        this.#o.log.warn({ err: String(e) }, "cluster: LISTEN failed; polling only");
        return undefined;
      });
    if (this.#stopping) await subscription?.close().catch(() => {});
    else this.#subscription = subscription;
  }

  /** The records are loaded: gains heard meanwhile go to the engine now, if still held at that epoch. */
  loaded(): void {
    this.#loaded = true;
    const member = this.#member;
    for (const [unit, epoch] of this.#pending) {
      if (member?.epochOf(unit) === epoch) this.#gain(unit, epoch);
    }
    this.#pending.clear();
  }

  /** Graceful stop, after the engine stopped (docs/cluster.md §3.8): releases every lease, deletes the session. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#member?.leave();
    await this.#subscription?.close().catch(() => {}); // a LISTEN still connecting closes itself when it is done
    this.#subscription = undefined;
  }

  counters(): (LeaseCounters & LeaseClusterCounters) | undefined {
    const c = this.#member?.counters();
    return c === undefined ? undefined : { ...c, refusedJoins: this.#refusedJoins };
  }

  /** Units held here while trusted. */
  ownedUnits(): string[] {
    return this.#member?.ownedUnits() ?? [];
  }

  trustLeftMs(): number {
    return this.#member?.status().trustLeftMs ?? 0;
  }

  // ClusterControl (docs/cluster.md §7)

  sharingTags(): readonly SharingTagState[] {
    return this.#knownTags().map((t) => ({
      tag: t.name,
      clusterId: t.clusterId,
      state: this.ownership.epochOf(unitOfTag(`${t.name}/${t.clusterId}`)) !== undefined ? "active" : "backup",
    }));
  }

  hasCluster(clusterId: number): boolean {
    return this.#knownTags().some((t) => t.clusterId === clusterId);
  }

  /** Stores this node as the tag's preferred node, then polls at once; the owner hands it over at its next poll. */
  async activateTag(tag: string, clusterId: number): Promise<ActivationResult> {
    const unit = unitOfTag(normalizeSharingTag(`${tag}/${clusterId}`));
    await this.#prefer(unit);
    this.#o.log.info({ unit, preferred: this.#o.section.node_name }, "cluster: tag activation stored");
    this.#member?.requestNow();
    void this.#store?.notifier?.notify().catch(() => {});
    return "stored";
  }

  status(): ClusterStatusView {
    const member = this.#member;
    const records = this.#engine?.unitRecords() ?? new Map<string, number>();
    const name = this.#o.section.node_name;
    if (member === undefined) {
      return { node: { name, incarnation: "", state: "starting", backend: "db" }, members: [], leases: [] };
    }
    const s = member.status();
    return {
      node: {
        name: s.name,
        incarnation: s.incarnation,
        state: s.state,
        backend: "db",
        trustLeftMs: s.trustLeftMs,
        ...(s.dbClockOffsetMs !== undefined ? { dbClockOffsetMs: s.dbClockOffsetMs } : {}),
      },
      members: s.members.map((m) => ({ name: m.name, incarnation: m.incarnation, address: m.address, live: m.live })),
      leases: s.leases.map((l) => ({
        unit: l.unit,
        ...(l.owner !== undefined ? { owner: l.owner.name } : {}),
        epoch: l.epoch,
        ...(l.preferred !== undefined ? { preferred: l.preferred } : {}),
        records: records.get(l.unit) ?? 0,
      })),
    };
  }

  async drain(): Promise<{ readonly released: number }> {
    const member = this.#requireMember();
    const released = member.ownedUnits().length;
    await member.drain();
    return { released };
  }

  #knownTags() {
    return knownSharingTags(this.#o.section.active_tags, (this.#engine?.unitRecords() ?? new Map()).keys());
  }

  /** ensureUnits + setPreferred, abandoned after `statement_timeout_ms` (the MI never waits on a dead database). */
  async #prefer(unit: string): Promise<void> {
    const store = this.#requireStore();
    this.#requireMember();
    await this.#bounded(async () => {
      await store.ensureUnits([unit]);
      await store.setPreferred(unit, this.#o.section.node_name);
    });
  }

  async #bounded(run: () => Promise<void>): Promise<void> {
    const ms = this.#o.section.timing.statement_timeout_ms;
    const r = await within(this.#o.clock, ms, run);
    if (r.kind === "timeout") throw new ClusterUnavailableError(`the database did not answer within ${ms} ms`);
    if (r.kind === "error") throw r.error;
  }

  #requireMember(): LeaseMember {
    const m = this.#member;
    if (m === undefined) throw new ClusterUnavailableError("not a member of the cluster yet");
    return m;
  }

  #requireStore(): ClusterStore {
    const s = this.#store;
    if (s === undefined) throw new ClusterUnavailableError("the cluster tables are not open yet");
    return s;
  }

  /**
   * Hands a gain to the engine. The engine makes a gain void when the unit's CSeq block could not be reserved (a
   * database error, docs/cluster.md §4); while the unit is still held at that epoch it is tried again one poll later,
   * so a passing database error never leaves a held unit's records unregistered.
   */
  #gain(unit: string, epoch: number): void {
    const engine = this.#engine;
    if (engine === undefined) return;
    const held = () => !this.#stopping && this.#member?.epochOf(unit) === epoch;
    engine.unitGained(unit, epoch).then(
      (started) => {
        if (started || !held()) return;
        const retryMs = this.#o.section.timing.poll_ms;
        this.#o.log.warn({ unit, epoch, retryMs }, "cluster: takeover not started; trying again");
        this.#o.clock.setTimer(retryMs, () => {
          if (held()) this.#gain(unit, epoch);
        });
      },
      (e: unknown) => this.#o.log.error({ unit, epoch, err: String(e) }, "cluster: takeover failed"),
    );
  }

  #listener(): LeaseListener {
    const log = this.#o.log;
    return {
      gained: (unit, epoch) => {
        this.#held.set(unit, epoch);
        log.info({ unit, epoch, reason: "gained" }, "cluster: ownership changed");
        if (this.#stopping) return;
        if (!this.#loaded) this.#pending.set(unit, epoch);
        else this.#gain(unit, epoch);
      },
      lost: (unit: string, reason: LossReason) => {
        const epoch = this.#held.get(unit);
        this.#held.delete(unit);
        this.#pending.delete(unit);
        log.info({ unit, epoch, reason }, "cluster: ownership changed");
        if (!this.#stopping) this.#engine?.unitLost(unit, reason);
      },
      joined: (incarnation) =>
        log.info({ node: this.#o.section.node_name, incarnation }, "cluster: joined (new session)"),
      fenced: (reason) => log.warn({ reason }, "cluster: fenced, every unit stopped; joining again"),
      refused: (error) => {
        this.#refusedJoins++;
        log.error({ node: error.node, expiresInMs: error.expiresInMs }, `cluster: join refused: ${error.message}`);
      },
    };
  }
}
