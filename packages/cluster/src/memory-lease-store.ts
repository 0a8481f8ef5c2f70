import { keyIdentity } from "@uacreg/core";
import { type Clock, delay } from "@uacreg/runtime";
import type {
  ClusterSnapshot,
  DialogMark,
  JoinResult,
  LeaseRow,
  LeaseStore,
  MemberRow,
  NodeIdentity,
} from "./lease-store.js";

/** Options of {@link MemoryLeaseStore}. */
export interface MemoryLeaseStoreOptions {
  /** Real time of the simulation: statement delays are timers on it, and database time is derived from it. */
  readonly clock: Clock;
  /** Database clock rate relative to `clock` (1 = same speed; docs/cluster.md §3.3 bounds the ratio). */
  readonly rate?: number;
  /** Database clock offset from `clock.wallNow()` at construction, ms. */
  readonly offsetMs?: number;
}

/** What happens to one statement of a {@link MemoryLeaseConnection} (fault injection). */
export interface StatementFate {
  /** Delay before the statement executes (the request on its way), ms. */
  readonly beforeMs?: number;
  /** Delay between execution and the reply, ms. */
  readonly afterMs?: number;
  /**
   * `ok`: executes and answers; `lost`: never executes, never answers; `unknown`: executes, the reply is lost
   * (never answers); `error`: executes, then the call rejects (a connection reset after the commit).
   */
  readonly outcome?: "ok" | "lost" | "unknown" | "error";
}

/** The name of a {@link LeaseStore} method, for fault decisions. */
export type LeaseStatement = keyof LeaseStore;

/** Decides the fate of each statement of a connection. */
export type FaultPlan = (statement: LeaseStatement) => StatementFate;

/** The rejection of a statement whose fate is `error` (it did execute). */
export class LeaseStoreFaultError extends Error {
  override readonly name = "LeaseStoreFaultError";
  constructor(readonly statement: LeaseStatement) {
    super(`injected fault: the reply to ${statement} was lost after it executed`);
  }
}

interface NodeRow {
  incarnation: string;
  address: string;
  expiresAt: number;
  draining: boolean;
}

interface UnitRow {
  owner: NodeIdentity | undefined;
  epoch: number;
  preferred: string | undefined;
}

interface DialogRow {
  unit: string;
  mark: DialogMark;
}

function sameNode(a: NodeIdentity | undefined, b: NodeIdentity): boolean {
  return a !== undefined && a.name === b.name && a.incarnation === b.incarnation;
}

/**
 * The shared database of docs/cluster.md §2 in memory, implementing {@link LeaseStore} exactly as the SQL must: its
 * own clock ("database time", with its own offset and rate), and every statement atomic at the instant it executes
 * (one compare-and-set, the answer computed from the same state). Calls made on the store itself execute at once;
 * {@link connect} gives a node its own connection with injected delays, losses, unknown outcomes and partitions.
 */
export class MemoryLeaseStore implements LeaseStore {
  readonly clock: Clock;
  readonly #rate: number;
  readonly #base: number;
  readonly #start: number;
  readonly #nodes = new Map<string, NodeRow>();
  readonly #units = new Map<string, UnitRow>();
  readonly #dialogs = new Map<string, DialogRow>();
  /** Statements executed, by name (what the database saw, whatever the caller heard). */
  readonly executed = new Map<LeaseStatement, number>();

  constructor(options: MemoryLeaseStoreOptions) {
    this.clock = options.clock;
    this.#rate = options.rate ?? 1;
    this.#start = options.clock.now();
    this.#base = options.clock.wallNow() + (options.offsetMs ?? 0);
  }

  /** The database clock, ms since the epoch (docs/cluster.md §3.2). */
  dbNow(): number {
    return this.#base + this.#rate * (this.clock.now() - this.#start);
  }

  /** A connection for one node, with its own fault plan (default: every statement answers at once). */
  connect(faults?: FaultPlan): MemoryLeaseConnection {
    return new MemoryLeaseConnection(this, faults);
  }

  /** Whether a session (name + incarnation) is live now, in database time. */
  isLive(node: NodeIdentity): boolean {
    const row = this.#nodes.get(node.name);
    return row !== undefined && row.incarnation === node.incarnation && row.expiresAt > this.dbNow();
  }

  /** The owner and epoch of a unit now, read directly (for model checkers). */
  lease(unit: string): LeaseRow | undefined {
    return this.#leaseRow(unit);
  }

  async join(node: NodeIdentity, ttlMs: number, address: string): Promise<JoinResult> {
    return this.joinNow(node, ttlMs, address);
  }

  /** {@link join}, synchronously. */
  joinNow(node: NodeIdentity, ttlMs: number, address: string): JoinResult {
    this.#count("join");
    const now = this.dbNow();
    const row = this.#nodes.get(node.name);
    if (row !== undefined && row.expiresAt > now && row.incarnation !== node.incarnation) {
      return { kind: "name-in-use", incarnation: row.incarnation, expiresAt: row.expiresAt, dbNow: now };
    }
    this.#nodes.set(node.name, { incarnation: node.incarnation, address, expiresAt: now + ttlMs, draining: false });
    return { kind: "joined", dbNow: now };
  }

  async renew(node: NodeIdentity, ttlMs: number): Promise<boolean> {
    return this.renewNow(node, ttlMs);
  }

  /** {@link renew}, synchronously. */
  renewNow(node: NodeIdentity, ttlMs: number): boolean {
    this.#count("renew");
    const row = this.#nodes.get(node.name);
    const now = this.dbNow();
    if (row === undefined || row.incarnation !== node.incarnation || row.expiresAt <= now) return false;
    row.expiresAt = now + ttlMs;
    return true;
  }

  async snapshot(): Promise<ClusterSnapshot> {
    return this.snapshotNow();
  }

  /** {@link snapshot}, synchronously. */
  snapshotNow(): ClusterSnapshot {
    this.#count("snapshot");
    const members: MemberRow[] = [...this.#nodes].map(([name, r]) => ({
      name,
      incarnation: r.incarnation,
      address: r.address,
      expiresAt: r.expiresAt,
      draining: r.draining,
    }));
    const leases = [...this.#units.keys()].sort().map((unit) => this.#leaseRow(unit)!);
    return { dbNow: this.dbNow(), members, leases };
  }

  async ensureUnits(units: readonly string[]): Promise<void> {
    this.#count("ensureUnits");
    for (const unit of units) {
      if (!this.#units.has(unit)) this.#units.set(unit, { owner: undefined, epoch: 0, preferred: undefined });
    }
  }

  async claim(node: NodeIdentity, unit: string, expectedEpoch: number): Promise<number | undefined> {
    return this.claimNow(node, unit, expectedEpoch);
  }

  /** {@link claim}, synchronously. */
  claimNow(node: NodeIdentity, unit: string, expectedEpoch: number): number | undefined {
    this.#count("claim");
    const row = this.#units.get(unit);
    if (row === undefined || row.epoch !== expectedEpoch) return undefined;
    const owner = row.owner;
    const free =
      owner === undefined ||
      !this.isLive(owner) ||
      (owner.name === node.name && owner.incarnation !== node.incarnation);
    if (!free) return undefined;
    row.owner = { name: node.name, incarnation: node.incarnation };
    row.epoch += 1;
    return row.epoch;
  }

  async release(node: NodeIdentity, unit: string, epoch: number): Promise<boolean> {
    return this.releaseNow(node, unit, epoch);
  }

  /** {@link release}, synchronously. */
  releaseNow(node: NodeIdentity, unit: string, epoch: number): boolean {
    this.#count("release");
    const row = this.#units.get(unit);
    if (row === undefined || row.epoch !== epoch || !sameNode(row.owner, node)) return false;
    row.owner = undefined;
    row.epoch += 1;
    return true;
  }

  async setPreferred(unit: string, preferred: string | undefined): Promise<void> {
    this.#count("setPreferred");
    const row = this.#units.get(unit);
    if (row === undefined) this.#units.set(unit, { owner: undefined, epoch: 0, preferred });
    else row.preferred = preferred;
  }

  async setDraining(node: NodeIdentity, draining: boolean): Promise<boolean> {
    this.#count("setDraining");
    const row = this.#nodes.get(node.name);
    if (row === undefined || row.incarnation !== node.incarnation || row.expiresAt <= this.dbNow()) return false;
    row.draining = draining;
    return true;
  }

  async leave(node: NodeIdentity): Promise<void> {
    this.#count("leave");
    for (const row of this.#units.values()) {
      if (sameNode(row.owner, node)) {
        row.owner = undefined;
        row.epoch += 1;
      }
    }
    if (this.#nodes.get(node.name)?.incarnation === node.incarnation) this.#nodes.delete(node.name);
  }

  async loadDialogs(unit: string): Promise<DialogMark[]> {
    this.#count("loadDialogs");
    return [...this.#dialogs.values()].filter((d) => d.unit === unit).map((d) => d.mark);
  }

  async reserveUnit(node: NodeIdentity, unit: string, epoch: number, block: number): Promise<DialogMark[] | undefined> {
    this.#count("reserveUnit");
    if (!this.#fence(node, unit, epoch)) return undefined;
    const marks: DialogMark[] = [];
    for (const row of this.#dialogs.values()) {
      if (row.unit !== unit) continue;
      row.mark = { ...row.mark, cseqMark: row.mark.cseqMark + block };
      marks.push(row.mark);
    }
    return marks;
  }

  async saveDialog(node: NodeIdentity, unit: string, epoch: number, mark: DialogMark): Promise<boolean> {
    this.#count("saveDialog");
    if (!this.#fence(node, unit, epoch)) return false;
    this.#dialogs.set(keyIdentity(mark.key), { unit, mark });
    return true;
  }

  #fence(node: NodeIdentity, unit: string, epoch: number): boolean {
    const row = this.#units.get(unit);
    return row !== undefined && row.epoch === epoch && sameNode(row.owner, node);
  }

  #leaseRow(unit: string): LeaseRow | undefined {
    const row = this.#units.get(unit);
    if (row === undefined) return undefined;
    return {
      unit,
      epoch: row.epoch,
      ...(row.owner === undefined ? {} : { owner: row.owner }),
      ...(row.preferred === undefined ? {} : { preferred: row.preferred }),
    };
  }

  #count(statement: LeaseStatement): void {
    this.executed.set(statement, (this.executed.get(statement) ?? 0) + 1);
  }
}

/**
 * One node's connection to a {@link MemoryLeaseStore}: each statement goes through the fault plan (delay before,
 * execution at one instant of database time, delay after, or loss), and {@link partitioned} cuts the node off (every
 * statement is lost until it is healed).
 */
export class MemoryLeaseConnection implements LeaseStore {
  readonly db: MemoryLeaseStore;
  /** While true, every statement is lost (never executes, never answers). */
  partitioned = false;
  faults: FaultPlan | undefined;
  /**
   * Hands a reply (or a rejection) to the caller; the default does it at once. A simulated paused process holds
   * replies here until it resumes.
   */
  deliver: (reply: () => void) => void = (reply) => reply();

  constructor(db: MemoryLeaseStore, faults?: FaultPlan) {
    this.db = db;
    this.faults = faults;
  }

  join(node: NodeIdentity, ttlMs: number, address: string): Promise<JoinResult> {
    return this.#run("join", () => this.db.join(node, ttlMs, address));
  }
  renew(node: NodeIdentity, ttlMs: number): Promise<boolean> {
    return this.#run("renew", () => this.db.renew(node, ttlMs));
  }
  snapshot(): Promise<ClusterSnapshot> {
    return this.#run("snapshot", () => this.db.snapshot());
  }
  ensureUnits(units: readonly string[]): Promise<void> {
    return this.#run("ensureUnits", () => this.db.ensureUnits(units));
  }
  claim(node: NodeIdentity, unit: string, expectedEpoch: number): Promise<number | undefined> {
    return this.#run("claim", () => this.db.claim(node, unit, expectedEpoch));
  }
  release(node: NodeIdentity, unit: string, epoch: number): Promise<boolean> {
    return this.#run("release", () => this.db.release(node, unit, epoch));
  }
  setPreferred(unit: string, preferred: string | undefined): Promise<void> {
    return this.#run("setPreferred", () => this.db.setPreferred(unit, preferred));
  }
  setDraining(node: NodeIdentity, draining: boolean): Promise<boolean> {
    return this.#run("setDraining", () => this.db.setDraining(node, draining));
  }
  leave(node: NodeIdentity): Promise<void> {
    return this.#run("leave", () => this.db.leave(node));
  }
  loadDialogs(unit: string): Promise<DialogMark[]> {
    return this.#run("loadDialogs", () => this.db.loadDialogs(unit));
  }
  reserveUnit(node: NodeIdentity, unit: string, epoch: number, block: number): Promise<DialogMark[] | undefined> {
    return this.#run("reserveUnit", () => this.db.reserveUnit(node, unit, epoch, block));
  }
  saveDialog(node: NodeIdentity, unit: string, epoch: number, mark: DialogMark): Promise<boolean> {
    return this.#run("saveDialog", () => this.db.saveDialog(node, unit, epoch, mark));
  }

  async #run<T>(statement: LeaseStatement, execute: () => Promise<T>): Promise<T> {
    const fate = this.faults?.(statement) ?? {};
    const outcome = fate.outcome ?? "ok";
    await this.#delay(fate.beforeMs ?? 0);
    if (this.partitioned || outcome === "lost") return never();
    // The memory statements resolve without awaiting anything: execution happens at this instant.
    const result = await execute();
    if (outcome === "unknown") return never();
    await this.#delay(fate.afterMs ?? 0);
    if (this.partitioned) return never();
    await new Promise<void>((resolve) => this.deliver(resolve));
    if (outcome === "error") throw new LeaseStoreFaultError(statement);
    return result;
  }

  #delay(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return delay(this.db.clock, ms);
  }
}

function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}
