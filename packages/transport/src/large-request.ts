import type { Logger } from "@uacreg/runtime";
import type { TransactionOutcome } from "./transaction-outcome.js";
import type { TransportCounterSet } from "./transport-counters.js";
import { TransportError } from "./transport-error.js";

/**
 * RFC 3261 §18.1.1, message size: "if it is larger than 1300 bytes and the path MTU is unknown, the request MUST be
 * sent using an RFC 2914 congestion controlled transport protocol, such as TCP". A request planned for UDP above this
 * size goes over TCP when we have a TCP socket of the target's family.
 */
export const UDP_PATH_LIMIT = 1300;

/** The largest UDP payload over IPv4 (65535 − 8 − 20): a larger request cannot go as one datagram at all. */
export const MAX_UDP_PAYLOAD = 65_507;

/**
 * The errors of a TCP connect that RFC 3261 §18.1.1 answers with a retry over UDP: "if the attempt to establish the
 * connection generates either an ICMP Protocol Not Supported, or results in a TCP reset". A refused connect is the
 * reset answering our SYN; a stalled connect (no answer) or an unreachable host is neither, and fails over as usual.
 */
const RESET_OR_UNSUPPORTED: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPROTONOSUPPORT",
  "ENOPROTOOPT",
]);

/**
 * True when `outcome` is a TCP connection that could not be established because the peer reset it or does not support
 * the protocol (RFC 3261 §18.1.1), as opposed to a connection that broke once established or a connect that stalled.
 */
export function connectRefused(outcome: TransactionOutcome): outcome is TransactionOutcome & { error: TransportError } {
  if (outcome.kind !== "transport-error") return false;
  const error = outcome.error;
  if (!(error instanceof TransportError) || error.code !== "connect-failed") return false;
  const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && RESET_OR_UNSUPPORTED.has(code);
}

/** The error of a request that cannot go over UDP (larger than {@link MAX_UDP_PAYLOAD}) nor over TCP, saying why. */
export function tooLargeForUdp(bytes: number, whyNotTcp: string): TransportError {
  return new TransportError(
    `request of ${bytes} bytes does not fit in a UDP datagram (at most ${MAX_UDP_PAYLOAD}) and ${whyNotTcp} ` +
      "(RFC 3261 §18.1.1)",
    "send-failed",
  );
}

/** Why a request above {@link UDP_PATH_LIMIT} went as a UDP datagram anyway. */
export type LargeUdpReason = "no-tcp-socket" | "tcp-refused";

const WHY: Record<LargeUdpReason, string> = {
  "no-tcp-socket": "no TCP socket of this address family is listed",
  "tcp-refused": "the peer refused the TCP connection (RFC 3261 §18.1.1 retry over UDP)",
};

/** How many (reason, target) pairs are remembered as warned about; beyond, the set starts again (bounded state). */
const MAX_WARNED = 1024;

/**
 * Counts, and tells the operator, that a request above {@link UDP_PATH_LIMIT} bytes leaves as a UDP datagram the IP
 * layer will fragment (a fragment lost loses the whole request; some middleboxes drop fragments): every such send is
 * counted (`largeUdpRequests`, and `udpFallbacks` for a retry after TCP was refused); the first per reason and target
 * is a warning line, the later ones debug lines, so a registrar refreshed every minute does not flood the log.
 */
export class LargeUdpNotices {
  private readonly warned = new Set<string>();

  constructor(
    private readonly counters: TransportCounterSet,
    private readonly logger: Logger,
  ) {}

  /** A request of `bytes` goes as a UDP datagram to `target` (`host:port`) for `reason`. */
  note(reason: LargeUdpReason, bytes: number, target: string): void {
    const c = this.counters.c;
    c.largeUdpRequests++;
    if (reason === "tcp-refused") c.udpFallbacks++;
    const key = `${reason}>${target}`;
    const fields = { bytes, target, why: WHY[reason] };
    const message = `request over ${UDP_PATH_LIMIT} bytes sent as a fragmented UDP datagram`;
    if (this.warned.has(key)) {
      this.logger.debug(fields, message);
      return;
    }
    if (this.warned.size >= MAX_WARNED) this.warned.clear();
    this.warned.add(key);
    this.logger.warn(fields, message);
  }
}
