import { createHmac, randomBytes } from "node:crypto";

/** The identifiers of a request a stateless To tag is derived from (RFC 3261 §8.2.6.2, §17.2.3). */
export interface TaggedRequest {
  getHeaders(name: string): readonly string[];
}

/**
 * To tags of our stateless answers (RFC 3261 §8.2.6.2): a keyed hash (HMAC-SHA-256 under a key drawn once per
 * transport, unrelated to the branch generator) of the request's Call-ID, From, top Via and CSeq. A retransmitted
 * request gets the same tag, as a stateless UAS should (§8.2.7), and a tag tells a peer nothing about our branches
 * or how many messages we sent.
 */
export class StatelessTagger {
  private readonly key: Buffer;

  constructor(key?: Buffer) {
    this.key = key ?? randomBytes(32);
  }

  tag(req: TaggedRequest): string {
    const h = createHmac("sha256", this.key);
    for (const name of ["Call-ID", "From", "Via", "CSeq"]) {
      h.update(req.getHeaders(name)[0] ?? "");
      h.update("\n");
    }
    return h.digest("hex").slice(0, 16);
  }
}
