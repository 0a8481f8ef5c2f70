import { parseMessage, type SipResponse } from "@uacreg/sip";
import { describe, expect, it } from "vitest";
import { BranchGenerator } from "./branch-generator.js";
import { CompletedTransactions } from "./completed-transactions.js";

function response(callId: string, cseq: string): SipResponse {
  return parseMessage(
    `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\n\r\n`,
  ) as SipResponse;
}

describe("BranchGenerator.idOf", () => {
  it("gives back the number of each of our branches and -1 for anything else", () => {
    const ids = new BranchGenerator("0123456789abcdef");
    const made = Array.from({ length: 2000 }, () => ids.branch());
    expect(made.map((b) => ids.idOf(b))).toEqual(made.map((_, i) => i + 1));
    const last = made.at(-1)!;
    expect(ids.idOf("z9hG4bKnotours")).toBe(-1);
    expect(ids.idOf("z9hG4bK0123456789abcdef.")).toBe(-1); // no number
    expect(ids.idOf(last.toUpperCase())).toBe(-1);
    expect(ids.idOf(last.replace(".", ".0"))).toBe(-1); // a leading zero is not how we write it
    expect(new BranchGenerator("fedcba9876543210").idOf(last)).toBe(-1); // another transport's
  });
});

describe("CompletedTransactions", () => {
  it("absorbs only a response with the same Call-ID, CSeq number and method, until Timer K", () => {
    const done = new CompletedTransactions();
    done.add(1, 100, "call-a", 5, "REGISTER");
    done.add(2, 150, "call-b", 1, "OPTIONS");
    expect(done.absorbs(1, response("call-a", "5 REGISTER"))).toBe(true);
    expect(done.absorbs(1, response("call-a", "6 REGISTER"))).toBe(false);
    expect(done.absorbs(1, response("call-a", "5 OPTIONS"))).toBe(false);
    expect(done.absorbs(1, response("call-x", "5 REGISTER"))).toBe(false);
    expect(done.absorbs(3, response("call-a", "5 REGISTER"))).toBe(false);
    expect(done.nextDeadline()).toBe(100);
    done.expire(99);
    expect(done.size).toBe(2);
    done.expire(100);
    expect(done.size).toBe(1);
    expect(done.absorbs(1, response("call-a", "5 REGISTER"))).toBe(false);
    expect(done.absorbs(2, response("call-b", "1 OPTIONS"))).toBe(true);
    expect(done.nextDeadline()).toBe(150);
    done.expire(1000);
    expect(done.size).toBe(0);
    expect(done.nextDeadline()).toBeUndefined();
  });

  it("keeps finding entries while old ones expire in large numbers", () => {
    const done = new CompletedTransactions();
    let next = 1;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3000; i++) {
        done.add(next, next, `c${next}`, next, "REGISTER");
        next++;
      }
      done.expire(next - 1501); // keep the youngest 1500 (ids next-1500 … next-1)
      expect(done.size).toBe(1500);
      const probe = next - 700;
      expect(done.absorbs(probe, response(`c${probe}`, `${probe} REGISTER`))).toBe(true);
      expect(done.absorbs(next - 1501, response(`c${next - 1501}`, `${next - 1501} REGISTER`))).toBe(false);
      expect(done.nextDeadline()).toBe(next - 1500);
    }
  });

  it("finds every live entry after its ring wrapped around and grew with the oldest entry mid-ring", () => {
    const done = new CompletedTransactions();
    for (let id = 1; id <= 50; id++) done.add(id, id, `c${id}`, id, "REGISTER");
    done.expire(40); // the oldest live entry is now the 41st
    for (let id = 51; id <= 160; id++) done.add(id, id, `c${id}`, id, "REGISTER"); // wraps, then grows
    expect(done.size).toBe(120);
    expect(done.nextDeadline()).toBe(41);
    for (let id = 1; id <= 160; id++) {
      expect(done.absorbs(id, response(`c${id}`, `${id} REGISTER`))).toBe(id > 40);
    }
    for (let t = 41; t <= 160; t++) {
      done.expire(t);
      expect(done.nextDeadline()).toBe(t < 160 ? t + 1 : undefined);
    }
    expect(done.size).toBe(0);
  });

  it("finds numbers that share a slot of the number index (it doubles until each has its own)", () => {
    const done = new CompletedTransactions();
    // Multiples of 1024 all fall in slot 0 of the first index rings.
    const ids = Array.from({ length: 20 }, (_, k) => (k + 1) * 1024);
    for (const id of ids) done.add(id, id, `c${id}`, 1, "REGISTER");
    expect(done.size).toBe(20);
    for (const id of ids) expect(done.absorbs(id, response(`c${id}`, "1 REGISTER"))).toBe(true);
    expect(done.absorbs(3 * 1024 + 1, response(`c${3 * 1024}`, "1 REGISTER"))).toBe(false);
    done.expire(10 * 1024);
    expect(done.size).toBe(10);
    for (const id of ids) expect(done.absorbs(id, response(`c${id}`, "1 REGISTER"))).toBe(id > 10 * 1024);
  });
});
