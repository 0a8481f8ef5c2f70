import type { Clock } from "@uacreg/runtime";
import { parseMessage, SipRequest, SipResponse } from "@uacreg/sip";
import type { OutboundRequest, RequestSender, SendOutcome, SendTarget } from "../request-sender.js";
import { RegistrarScript, type ScriptedRegistrarOptions } from "./scripted-registrar.js";

/** RFC 3261 §17.1.2 timers of the in-memory transactions (ms): T1, T2, and Timer F = 64·T1. */
const T1 = 500;
const T2 = 4000;
const TIMER_F = 64 * T1;

/**
 * The engine's tests' registrar behind the engine's own {@link RequestSender} interface, in memory, on a (virtual)
 * clock: each send is a client transaction that puts the REGISTER to the {@link RegistrarScript}, "retransmits" it at
 * T1, 2·T1 … T2 while the script drops it (a retransmission is put to the script again) and times out at Timer F.
 * Answers are serialized and parsed back, as a transport would, and come back through promises. No socket, no sleep.
 */
export class MemoryRegistrar extends RegistrarScript implements RequestSender {
  /** The local socket the engine's requests "leave from". */
  static readonly LOCAL = "udp:127.0.0.1:5060";
  readonly port = 5070;
  /** Every request as the engine handed it, in order (retransmissions not repeated). */
  readonly sent: OutboundRequest[] = [];
  /** Transactions open now, and the most ever open at once (the engine's in-flight bound, seen from outside). */
  open = 0;
  maxOpen = 0;
  /** Copies not "sent" because the request's send guard said no (docs/cluster.md §6). */
  fenced = 0;
  /** When it returns an error for a request, that request "cannot be sent": a transport-error outcome, nothing sent. */
  failSend: (request: OutboundRequest) => Error | undefined = () => undefined;
  /**
   * When set, this sender resolves next hops the way the transport does (RFC 3263): the engine may call it before
   * admission, and a `send` without `targets` (and not pinned) awaits it first, inside its transaction, as a
   * transport would. Unset: the engine's sender cannot resolve and sends as they come.
   */
  resolve?: (nextHop: string) => Promise<readonly SendTarget[]>;
  /**
   * Whether outcomes carry the protocol (`proto`, `remote.proto`), as SipTransport's do. False: a sender that does not
   * report it, so the engine cannot reuse the pin and resolves the next hop of every request.
   */
  reportsProtocol = true;
  /** With {@link resolve}: the targets known at once (an address), else undefined. */
  resolveNow?: (nextHop: string) => readonly SendTarget[] | undefined;
  readonly #clock: Clock;
  #branch = 0;

  constructor(clock: Clock, options: ScriptedRegistrarOptions = {}) {
    super(options, () => clock.wallNow());
    this.#clock = clock;
  }

  /** `sip:127.0.0.1:5070`, to use as the registrar column. */
  get uri(): string {
    return `sip:127.0.0.1:${this.port}`;
  }

  hasSocket(spec: string): boolean {
    return spec === MemoryRegistrar.LOCAL;
  }

  send(request: OutboundRequest): Promise<SendOutcome> {
    const resolve = this.resolve;
    if (resolve !== undefined && request.targets === undefined && request.destination === undefined) {
      const known = this.resolveNow?.(request.nextHop);
      if (known === undefined) {
        return resolve(request.nextHop).then(
          (targets) => this.send({ ...request, targets }),
          (error: unknown): SendOutcome => ({
            kind: "transport-error",
            error: error instanceof Error ? error : new Error(String(error)),
          }),
        );
      }
    }
    this.sent.push(request);
    const failure = this.failSend(request);
    if (failure !== undefined) {
      return Promise.resolve({ kind: "transport-error", error: failure, local: MemoryRegistrar.LOCAL, proto: "udp" });
    }
    return this.#transact(request);
  }

  /**
   * The callback form of {@link send} ({@link RequestSender.sendWith}), present once {@link useCallbacks} was called.
   * A send that cannot leave ({@link failSend}) hands its outcome over before `sendWith` returns, as a transport does
   * for a local failure.
   */
  sendWith?: (request: OutboundRequest, done: (outcome: SendOutcome) => void) => void;

  /** From now on the engine sends through {@link sendWith} (callbacks) instead of promises. */
  useCallbacks(): void {
    this.sendWith = (request, done) => {
      if (this.resolve !== undefined && request.targets === undefined && request.destination === undefined) {
        void this.send(request).then(done); // resolved inside the transaction: asynchronous anyway
        return;
      }
      this.sent.push(request);
      const failure = this.failSend(request);
      if (failure !== undefined)
        done({ kind: "transport-error", error: failure, local: MemoryRegistrar.LOCAL, proto: "udp" });
      else void this.#transact(request).then(done);
    };
  }

  /** One client transaction of `request` (already recorded in {@link sent}). */
  #transact(request: OutboundRequest): Promise<SendOutcome> {
    const branch = `z9hG4bK${++this.#branch}`;
    const text = `${request.method} ${request.requestUri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=${branch};rport\r\n${request.headers}\r\n`;
    const parsed = parseMessage(text);
    if (!(parsed instanceof SipRequest)) throw new Error("the engine sent something that is not a request");
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    const started = this.#clock.now();
    return new Promise<SendOutcome>((resolve) => {
      const end = (outcome: SendOutcome) => {
        this.open--;
        resolve(outcome);
      };
      const attempt = (interval: number, retransmissions: number) => {
        // The send guard (docs/cluster.md §6), asked before every copy as SipTransport does.
        if (request.guard !== undefined && !request.guard()) {
          this.fenced++;
          end({ kind: "fenced", local: MemoryRegistrar.LOCAL, proto: "udp", retransmissions });
          return;
        }
        const bytes = this.handle(parsed, branch);
        if (bytes !== undefined) {
          const response = parseMessage(bytes);
          if (!(response instanceof SipResponse)) throw new Error("the registrar answered with a request");
          const local = MemoryRegistrar.LOCAL;
          if (!this.reportsProtocol) {
            end({ kind: "response", response, remote: { address: "127.0.0.1", port: this.port }, retransmissions });
            return;
          }
          const remote = { proto: "udp", address: "127.0.0.1", port: this.port };
          end({ kind: "response", response, remote, local, proto: "udp", retransmissions });
          return;
        }
        const left = started + TIMER_F - this.#clock.now();
        if (left <= 0) end({ kind: "timeout", local: MemoryRegistrar.LOCAL, proto: "udp", retransmissions });
        else {
          const next = () => attempt(Math.min(interval * 2, T2), retransmissions + 1);
          this.#clock.setTimer(Math.min(interval, left), next);
        }
      };
      attempt(T1, 0);
    });
  }
}
