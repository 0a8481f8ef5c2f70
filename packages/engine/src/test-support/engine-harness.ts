import type { RegistrantRow } from "@uacreg/core";
import { SipTransport } from "@uacreg/transport";
import type { Logger } from "../logger.js";
import { RegistrantEngine, type RegistrantEngineOptions, type StateChangeEvent } from "../registrant-engine.js";
import type { RegistrantParams } from "../registrant-params.js";
import { MemoryRepository } from "./memory-repository.js";
import { ScriptedRegistrar, type ScriptedRegistrarOptions } from "./scripted-registrar.js";

/** A logger that keeps every line, to assert on. */
export class RecordingLogger implements Logger {
  readonly lines: Array<{ level: string; obj: object; msg: string }> = [];
  debug(obj: object, msg: string) {
    this.lines.push({ level: "debug", obj, msg });
  }
  info(obj: object, msg: string) {
    this.lines.push({ level: "info", obj, msg });
  }
  warn(obj: object, msg: string) {
    this.lines.push({ level: "warn", obj, msg });
  }
  error(obj: object, msg: string) {
    this.lines.push({ level: "error", obj, msg });
  }
  at(level: string): string[] {
    return this.lines.filter((l) => l.level === level).map((l) => `${l.msg} ${JSON.stringify(l.obj)}`);
  }
}

export interface Harness {
  engine: RegistrantEngine;
  registrar: ScriptedRegistrar;
  transport: SipTransport;
  repository: MemoryRepository;
  logger: RecordingLogger;
  events: StateChangeEvent[];
  /** The local socket, `udp:127.0.0.1:<port>`. */
  local: string;
  /** Moves the engine's wall clock forward (the walk keeps its real fast tick). */
  advance(seconds: number): void;
  /** Resolves when `pred` holds for an event (already emitted or still to come). */
  waitEvent(pred: (e: StateChangeEvent) => boolean, timeoutMs?: number, from?: number): Promise<StateChangeEvent>;
  close(): Promise<void>;
}

/** A default row registering `user` at the scripted registrar with password `secret`. */
export function row(registrar: ScriptedRegistrar, user: string, extra: Partial<RegistrantRow> = {}): RegistrantRow {
  return {
    registrar: registrar.uri,
    proxy: null,
    aor: `sip:${user}@reg.test`,
    third_party_registrant: null,
    username: user,
    password: "secret",
    binding_URI: `sip:${user}@127.0.0.1:5099`,
    binding_params: null,
    expiry: 60,
    forced_socket: null,
    cluster_shtag: null,
    state: 0,
    ...extra,
  };
}

/**
 * The two endpoints of the engine's lifecycle tests, on loopback: the engine with the real transport (fast tm
 * timers: T1 50 ms, T2 200 ms, fr_timeout 1 s) and the scripted registrar. The walk runs on a real 40 ms tick
 * (`tickMs`, test only) with hash_size 1 and timer_interval 10; the engine's wall clock can be moved forward.
 */
export async function openHarness(opts: {
  rows: (registrar: ScriptedRegistrar) => RegistrantRow[];
  registrar?: ScriptedRegistrarOptions;
  params?: Partial<RegistrantParams>;
  engine?: Partial<RegistrantEngineOptions>;
  start?: boolean;
}): Promise<Harness> {
  const registrar = await ScriptedRegistrar.open({
    accounts: { alice: "secret", bob: "secret", carol: "secret" },
    ...opts.registrar,
  });
  const transport = await SipTransport.open({
    listen: ["udp:127.0.0.1:0"],
    timers: { t1Ms: 50, t2Ms: 200, frTimeoutS: 1, t4Ms: 100 },
  });
  const local = transport.sockets()[0] ?? "";
  const repository = new MemoryRepository(opts.rows(registrar));
  const logger = new RecordingLogger();
  let offset = 0;
  const engine = new RegistrantEngine({
    transport,
    repository,
    params: { hashSize: 1, timerInterval: 10, ...opts.params },
    logger,
    now: () => Date.now() + offset,
    tickMs: 40,
    ...opts.engine,
  });
  const events: StateChangeEvent[] = [];
  const waiters = new Set<{ pred: (e: StateChangeEvent) => boolean; resolve: (e: StateChangeEvent) => void }>();
  engine.onStateChange((e) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.delete(w);
        w.resolve(e);
      }
    }
  });
  if (opts.start !== false) await engine.start();
  return {
    engine,
    registrar,
    transport,
    repository,
    logger,
    events,
    local,
    advance(seconds) {
      offset += seconds * 1000;
    },
    waitEvent(pred, timeoutMs = 3000, from = 0) {
      const seen = events.slice(from).find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = {
          pred,
          resolve: (e: StateChangeEvent) => {
            clearTimeout(timer);
            resolve(e);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(
            new Error(
              `no matching state change within ${timeoutMs} ms; saw ${JSON.stringify(events.map((x) => `${x.key.aor}:${x.to}`))}`,
            ),
          );
        }, timeoutMs);
        waiters.add(w);
      });
    },
    async close() {
      await engine.stop({ timeoutMs: 200 });
      await transport.close();
      await registrar.close();
    },
  };
}
