/**
 * A simulated cluster for the model tests of the lease protocol (docs/cluster.md §3): one real-time VirtualClock,
 * a MemoryLeaseStore with its own database clock, and members whose clocks run at their own rate and offset, can be
 * frozen (a paused process: no timer fires, no reply is handled) and killed. A checker runs after every event.
 */
import type { Clock, TimerHandle } from "@uacreg/runtime";
import { VirtualClock } from "@uacreg/runtime/testing";
import { LeaseMember, type LeaseListener, type LeaseMemberOptions } from "../lease-member.js";
import { type FaultPlan, type MemoryLeaseConnection, MemoryLeaseStore } from "../memory-lease-store.js";

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FrozenTimer {
  callback: () => void;
  cancelled: boolean;
}

/** A member's own clock over the real-time clock: `now = offset + rate · real`; pausable. */
export class MemberClock implements Clock {
  readonly #real: VirtualClock;
  readonly rate: number;
  readonly #offset: number;
  #paused = false;
  #frozen: Array<() => void> = [];

  readonly #beforeEvent: () => void;

  constructor(real: VirtualClock, rate: number, offsetMs: number, beforeEvent: () => void = () => {}) {
    this.#real = real;
    this.#beforeEvent = beforeEvent;
    this.rate = rate;
    this.#offset = offsetMs;
  }

  now(): number {
    return this.#offset + this.rate * this.#real.now();
  }

  wallNow(): number {
    return Date.UTC(2026, 0, 1) + this.now();
  }

  get paused(): boolean {
    return this.#paused;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: FrozenTimer = { callback, cancelled: false };
    this.#real.setTimer(Math.max(0, delayMs) / this.rate, () => this.#run(timer));
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Runs `fn` now, or at resume when paused (a reply reaching a frozen process). */
  deliver(fn: () => void): void {
    if (this.#paused) this.#frozen.push(fn);
    else fn();
  }

  pause(): void {
    this.#paused = true;
  }

  /** Thaws: overdue timers fire in deadline order, then the held replies, each in its own turn. */
  resume(): void {
    this.#paused = false;
    const due = this.#frozen;
    this.#frozen = [];
    for (const fn of due) {
      this.#real.setTimer(0, () => {
        this.#beforeEvent();
        fn();
      });
    }
  }

  #run(timer: FrozenTimer): void {
    if (timer.cancelled) return;
    this.#beforeEvent();
    if (this.#paused) this.#frozen.push(() => this.#run(timer));
    else timer.callback();
  }
}

/** One simulated process. */
export interface SimNode {
  readonly label: string;
  readonly member: LeaseMember;
  readonly clock: MemberClock;
  readonly connection: MemoryLeaseConnection;
  readonly events: string[];
  dead: boolean;
}

/** A safety violation found by the checker. */
export interface Violation {
  readonly at: number;
  readonly unit: string;
  readonly writers: string[];
}

/** Options of one simulated node. */
export interface SimNodeOptions {
  readonly name: string;
  readonly rate?: number;
  readonly offsetMs?: number;
  readonly faults?: FaultPlan;
  readonly member?: Partial<Omit<LeaseMemberOptions, "store" | "clock" | "name" | "address">>;
}

/** The simulated cluster and its checker. */
export class LeaseSim {
  readonly real = new VirtualClock();
  readonly db: MemoryLeaseStore;
  readonly nodes: SimNode[] = [];
  readonly violations: Violation[] = [];
  readonly random: () => number;
  units: string[] = [];

  constructor(options: { seed: number; dbRate?: number; dbOffsetMs?: number }) {
    this.random = seededRandom(options.seed);
    // The database's statement delays are events too: the checker runs before each.
    const real = this.real;
    const dbClock: Clock = {
      now: () => real.now(),
      wallNow: () => real.wallNow(),
      setTimer: (delayMs, callback) =>
        real.setTimer(delayMs, () => {
          this.check();
          callback();
        }),
    };
    this.db = new MemoryLeaseStore({ clock: dbClock, rate: options.dbRate ?? 1, offsetMs: options.dbOffsetMs ?? 0 });
  }

  /** Adds a process (not started). */
  add(options: SimNodeOptions): SimNode {
    const clock = new MemberClock(this.real, options.rate ?? 1, options.offsetMs ?? 0, () => this.check());
    const connection = this.db.connect(options.faults);
    // A reply reaches a paused process only when it resumes.
    connection.deliver = (reply) => clock.deliver(reply);
    const events: string[] = [];
    const label = `${options.name}#${this.nodes.filter((n) => n.member.identity.name === options.name).length}`;
    // Every event is recorded, then passed on to the test's own listener, if any.
    const extra = options.member?.listener;
    const listener: LeaseListener = {
      gained: (unit, epoch) => {
        events.push(`${this.real.now()} gained ${unit}@${epoch}`);
        extra?.gained(unit, epoch);
      },
      lost: (unit, reason) => {
        events.push(`${this.real.now()} lost ${unit} ${reason}`);
        extra?.lost(unit, reason);
      },
      fenced: (reason) => events.push(`${this.real.now()} fenced ${reason}`),
      joined: (incarnation) => events.push(`${this.real.now()} joined ${incarnation}`),
      refused: (error) => events.push(`${this.real.now()} refused ${error.incarnation}`),
    };
    const member = new LeaseMember({
      random: seededRandom(Math.floor(this.random() * 2 ** 32)),
      ...options.member,
      listener,
      store: connection,
      clock,
      name: options.name,
      address: `${options.name}.example:5060`,
    });
    member.setUnits(this.units);
    const node: SimNode = { label, member, clock, connection, events, dead: false };
    this.nodes.push(node);
    return node;
  }

  /** Starts a process's join without waiting for it (a refusal is recorded in its events). */
  start(node: SimNode): void {
    node.member.start().catch((error: unknown) => node.events.push(`${this.real.now()} refused ${String(error)}`));
  }

  /** Kills a process: frozen for ever, it never renews again. */
  kill(node: SimNode): void {
    node.dead = true;
    node.clock.pause();
  }

  /**
   * SAFETY (docs/cluster.md §3): at no instant may two processes both pass the send guard for the same unit.
   * Called after every event.
   */
  check(): void {
    const writers = new Map<string, string[]>();
    for (const node of this.nodes) {
      for (const unit of node.member.ownedUnits()) {
        const epoch = node.member.epochOf(unit);
        if (epoch === undefined || !node.member.mayWrite(unit, epoch)) continue;
        writers.set(unit, [...(writers.get(unit) ?? []), `${node.label}@${epoch}`]);
      }
    }
    for (const [unit, list] of writers) {
      if (list.length > 1) this.violations.push({ at: this.real.now(), unit, writers: list });
    }
  }

  /** Runs the world for `ms` of real time, checking after every event; `until` stops early when it holds. */
  async run(ms: number, until?: () => boolean): Promise<boolean> {
    const end = this.real.now() + ms;
    for (;;) {
      this.check();
      if (until?.()) return true;
      const next = this.real.nextDeadline();
      if (next === undefined || next > end) {
        await this.real.advance(end - this.real.now());
        this.check();
        return until?.() ?? false;
      }
      // One instant at a time: the checker also sees the state between two instants.
      await this.real.advance(next - this.real.now());
    }
  }

  /** Whether every unit is held, writable, by a live process, and the database agrees. */
  allOwnedByLive(): boolean {
    return this.units.every((unit) => {
      const row = this.db.lease(unit);
      if (row?.owner === undefined) return false;
      return this.nodes.some(
        (n) =>
          !n.dead &&
          n.member.identity.incarnation === row.owner?.incarnation &&
          n.member.mayWrite(unit, row.epoch) &&
          this.db.isLive(row.owner),
      );
    });
  }

  /** A readable account of the run, printed when a test fails. */
  describe(): string {
    return this.nodes.map((n) => `${n.label} (rate ${n.clock.rate.toFixed(3)}): ${n.events.join("; ")}`).join("\n");
  }
}
