import type { RegistrantRow } from "@uacreg/core";
import { systemClock } from "@uacreg/runtime";
import { SipTransport } from "@uacreg/transport";
import type { StateChangeEvent } from "../engine-metrics.js";
import { RegistrantEngine } from "../registrant-engine.js";
import type { RequestSender } from "../request-sender.js";
import { MemoryRepository } from "./memory-repository.js";
import { RecordingLogger } from "./recording-logger.js";
import { ScriptedRegistrar } from "./scripted-registrar.js";

/** The smoke tests' endpoints: the real transport and a UDP registrar on loopback, the engine on the system clock. */
export interface LoopbackHarness {
  engine: RegistrantEngine;
  transport: SipTransport;
  registrar: ScriptedRegistrar;
  repository: MemoryRepository;
  events: StateChangeEvent[];
  /** Resolves with the first event (from index `from` on) matching `pred`; rejects after `guardMs` of real time. */
  nextEvent(pred: (e: StateChangeEvent) => boolean, from?: number, guardMs?: number): Promise<StateChangeEvent>;
  close(): Promise<void>;
}

/**
 * The engine wired as the daemon wires it: @uacreg/transport's `SipTransport` as the engine's {@link RequestSender}
 * (checked here at compile time), real UDP sockets on 127.0.0.1, `systemClock`. Records come in disabled and tests
 * `enable` them: the REGISTER goes out at once, without waiting for a bucket visit of real time.
 */
export async function openLoopback(rows: (registrar: ScriptedRegistrar) => RegistrantRow[]): Promise<LoopbackHarness> {
  const registrar = await ScriptedRegistrar.open({ accounts: { alice: "secret", bob: "secret" } });
  const transport = await SipTransport.open({ listen: ["udp:127.0.0.1:0"], timers: { t1Ms: 50, frTimeoutS: 2 } });
  const sender: RequestSender = transport;
  const repository = new MemoryRepository(rows(registrar));
  const engine = new RegistrantEngine({
    transport: sender,
    repository,
    params: { hashSize: 1, timerInterval: 10 },
    logger: new RecordingLogger(),
  });
  const events: StateChangeEvent[] = [];
  const waiters = new Set<() => void>();
  engine.onStateChange((e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  });
  await engine.start();
  return {
    engine,
    transport,
    registrar,
    repository,
    events,
    nextEvent(pred, from = 0, guardMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.slice(from).find(pred);
          if (found === undefined) return;
          waiters.delete(check);
          guard.cancel();
          resolve(found);
        };
        const guard = systemClock.setTimer(guardMs, () => {
          waiters.delete(check);
          reject(new Error(`no matching state change; saw ${JSON.stringify(events.map((e) => e.to))}`));
        });
        waiters.add(check);
        check();
      });
    },
    async close() {
      await engine.stop({ timeoutMs: 500 });
      await transport.close();
      await registrar.close();
    },
  };
}
