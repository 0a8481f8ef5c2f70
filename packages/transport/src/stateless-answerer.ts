import type { Logger } from "@uacreg/runtime";
import type { SipRequest } from "@uacreg/sip";
import { hostPort } from "./socket-spec.js";
import { buildStatelessResponse, chooseAnswer } from "./stateless-response.js";
import type { StatelessTagger } from "./stateless-tag.js";
import type { TransportCounterSet } from "./transport-counters.js";

/**
 * Our stateless answers to requests that reach a socket (RFC 3261 §8.2; see stateless-response.ts for the rules:
 * 505 for another SIP version, 400 for a CSeq method that is not the request's, OPTIONS 200, 405, 501, nothing to
 * ACK), counted. The bytes go back through `reply`, on the connection the request
 * came on or to the datagram's source (RFC 3581 §4).
 */
export class StatelessAnswerer {
  constructor(
    private readonly tags: StatelessTagger,
    private readonly counters: TransportCounterSet,
    private readonly logger: Logger,
    private readonly userAgent: string | undefined,
  ) {}

  /** Answers `req` from `address`:`port`; `reply` sends the bytes and returns false when it could not. */
  answer(req: SipRequest, address: string, port: number, reply: (bytes: Buffer) => boolean): void {
    const c = this.counters.c;
    this.counters.bumpMethod(c.requestsReceived, req.method);
    const answer = chooseAnswer(req.method, req.version, req.getHeaders("CSeq")[0]);
    if (answer === null) return;
    const text = buildStatelessResponse(
      req,
      answer.status,
      answer.reason,
      { address, port },
      this.tags.tag(req),
      this.userAgent,
    );
    if (text === null) {
      c.dropped++;
      this.logger.debug({ from: hostPort(address, port) }, "request without Via/From/To/Call-ID/CSeq dropped");
      return;
    }
    if (reply(Buffer.from(text, "utf8"))) this.counters.bumpStatus(c.responsesSent, answer.status);
  }
}
