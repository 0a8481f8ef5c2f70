import type { RegistrantRow } from "@uacreg/core";
import { settle, VirtualClock } from "@uacreg/runtime/testing";
import type { StateChangeEvent } from "../engine-metrics.js";
import type { RegistrantEngineOptions } from "../engine-options.js";
import { RegistrantEngine } from "../registrant-engine.js";
import type { RegistrantParams } from "../registrant-params.js";
import { MemoryRegistrar } from "./memory-registrar.js";
import { MemoryRepository } from "./memory-repository.js";
import { RecordingLogger } from "./recording-logger.js";
import type { ScriptedRegistrarOptions } from "./scripted-registrar.js";

export { keyOf, row } from "./registrant-rows.js";

/** Whether a request's header block carries credentials (`Authorization` or `Proxy-Authorization`). */
export const hasCredentials = (headers: string): boolean => /^(Proxy-)?Authorization:/m.test(headers);

/** How long `until` and `waitEvent` let virtual time run before giving up (10 minutes: many refresh cycles). */
const LIMIT_MS = 600_000;

export interface Harness {
  engine: RegistrantEngine;
  clock: VirtualClock;
  registrar: MemoryRegistrar;
  repository: MemoryRepository;
  logger: RecordingLogger;
  events: StateChangeEvent[];
  /** The local socket the requests leave from. */
  local: string;
  /** Lets `seconds` of virtual time pass (timers fire on the way, promises settle after each). */
  advance(seconds: number): Promise<void>;
  /** Runs virtual time from deadline to deadline until `cond` holds; throws if it does not within `limitMs`. */
  until(cond: () => boolean, limitMs?: number): Promise<void>;
  /** Runs virtual time until an event from index `from` on matches `pred`, and returns it. */
  waitEvent(pred: (e: StateChangeEvent) => boolean, from?: number): Promise<StateChangeEvent>;
  /** Lets queued promise callbacks run (database writes) without moving time. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The engine on a {@link VirtualClock} with an in-memory registrar behind its `RequestSender` interface and an
 * in-memory store: hash_size 1 and timer_interval 10 (a bucket every 5 s of virtual time) unless `params` says
 * otherwise. Nothing sleeps: the tests move time.
 */
export async function openHarness(opts: {
  rows: (registrar: MemoryRegistrar) => RegistrantRow[];
  registrar?: ScriptedRegistrarOptions;
  params?: Partial<RegistrantParams>;
  engine?: Partial<RegistrantEngineOptions>;
  start?: boolean;
}): Promise<Harness> {
  const clock = new VirtualClock();
  const registrar = new MemoryRegistrar(clock, {
    accounts: { alice: "secret", bob: "secret", carol: "secret" },
    ...opts.registrar,
  });
  const repository = new MemoryRepository(opts.rows(registrar));
  const logger = new RecordingLogger();
  const engine = new RegistrantEngine({
    transport: registrar,
    repository,
    params: { hashSize: 1, timerInterval: 10, ...opts.params },
    logger,
    clock,
    ...opts.engine,
  });
  const events: StateChangeEvent[] = [];
  engine.onStateChange((e) => events.push(e));
  const until = async (cond: () => boolean, limitMs = LIMIT_MS) => {
    if (!(await clock.runUntil(cond, limitMs))) {
      const seen = events.map((x) => `${x.key.aor}:${x.to}`);
      throw new Error(`condition not met within ${limitMs} ms of virtual time; events ${JSON.stringify(seen)}`);
    }
  };
  if (opts.start !== false) await engine.start();
  return {
    engine,
    clock,
    registrar,
    repository,
    logger,
    events,
    local: MemoryRegistrar.LOCAL,
    advance: (seconds) => clock.advance(seconds * 1000),
    until,
    async waitEvent(pred, from = 0) {
      await until(() => events.slice(from).some(pred));
      return events.slice(from).find(pred) as StateChangeEvent;
    },
    settle,
    async close() {
      const stopped = engine.stop({ timeoutMs: 200 });
      await clock.advance(200);
      await stopped;
    },
  };
}
