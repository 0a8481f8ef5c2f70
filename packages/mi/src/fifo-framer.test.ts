import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FifoFrame, FifoFramer, fifoReplyPath, frameFifoRequest, isForbiddenReplyName } from "./fifo-framer.js";

const b = (s: string) => Buffer.from(s, "utf8");
const REQ = '{"jsonrpc": "2.0", "id": "1", "method": "which", "params": {}}';

describe("mi_fifo framing (docs/mi-protocol.md §4)", () => {
  it("frames one request written without a newline, as opensips-cli does", () => {
    const f = new FifoFramer();
    expect(f.push(b(`:opensips_fifo_reply_12_1700000000_5:${REQ}`), 0)).toEqual([
      { kind: "request", replyName: "opensips_fifo_reply_12_1700000000_5", value: JSON.parse(REQ) },
    ]);
    expect(f.pending).toBe(0);
  });

  it("handles several requests in one write, in order, with whitespace between", () => {
    const f = new FifoFramer();
    const frames = f.push(b(`\n :a:{"id":1}\n:b:  {"id":2}:c:{"id":3}\n`), 0);
    expect(frames.map((x) => (x.kind === "request" ? [x.replyName, x.value] : x.reason))).toEqual([
      ["a", { id: 1 }],
      ["b", { id: 2 }],
      ["c", { id: 3 }],
    ]);
  });

  it("waits for the rest of a request split across writes", () => {
    const f = new FifoFramer();
    expect(f.push(b(":rep"), 0)).toEqual([]);
    expect(f.push(b('ly:{"id":'), 1)).toEqual([]);
    expect(f.push(b('7}:x:{"id":8'), 2)).toEqual([{ kind: "request", replyName: "reply", value: { id: 7 } }]);
    expect(f.push(b("}"), 3)).toEqual([{ kind: "request", replyName: "x", value: { id: 8 } }]);
  });

  it("keeps an empty reply name (run without reply)", () => {
    expect(new FifoFramer().push(b(`::${REQ}`), 0)).toEqual([
      { kind: "request", replyName: "", value: JSON.parse(REQ) },
    ]);
  });

  it.each(["../etc/passwd", "a.b", "a/b", "a\\b", "."])("drops the forbidden reply name %j silently", (name) => {
    expect(isForbiddenReplyName(name)).toBe(true);
    const f = new FifoFramer();
    const frames = f.push(b(`:${name}:${REQ}:ok:${REQ}`), 0);
    expect(frames.map((x) => (x.kind === "request" ? x.replyName : x.reason))).toEqual(["forbidden-name", "ok"]);
  });

  it("drops input that does not start with ':' and broken JSON", () => {
    const f = new FifoFramer();
    expect(f.push(b(`hello:${REQ}`), 0)).toEqual([
      { kind: "dropped", reason: "no-leading-colon", bytes: 5 + 1 + REQ.length },
    ]);
    expect(f.push(b(":x:{nope} :y:{}"), 0)).toEqual([{ kind: "dropped", reason: "bad-json", bytes: 15 }]);
    expect(f.pending).toBe(0);
    expect(f.push(b(`:z:${REQ}`), 0)).toHaveLength(1);
  });

  it("drops a request larger than the limit, and keeps framing after it", () => {
    const f = new FifoFramer({ maxRequestBytes: 4096 });
    const big = `{"jsonrpc":"2.0","id":1,"method":"x","params":["${"a".repeat(5000)}"]}`;
    const frames = f.push(b(`:big:${big}:small:{"id":2}`), 0);
    expect(frames.map((x) => (x.kind === "request" ? x.replyName : x.reason))).toEqual(["too-large", "small"]);
  });

  it("drops a partial request that is already over the limit", () => {
    const f = new FifoFramer({ maxRequestBytes: 100 });
    expect(f.push(b(`:x:["${"a".repeat(200)}`), 0)).toEqual([{ kind: "dropped", reason: "too-large", bytes: 205 }]);
    expect(f.pending).toBe(0);
  });

  it("discards a stale partial request when new bytes arrive much later", () => {
    const f = new FifoFramer({ staleAfterMs: 1000 });
    expect(f.push(b(':dead:{"id":'), 0)).toEqual([]);
    const frames = f.push(b(`:live:${REQ}`), 5000);
    expect(frames.map((x) => (x.kind === "request" ? x.replyName : x.reason))).toEqual(["stale", "live"]);
  });

  it("never throws and only yields allowed names, whatever the bytes and however they are split", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 40 }),
            fc.constantFrom(b(":"), b("::"), b(`:r:${REQ}`), b('{"a":'), b("}"), b("\n"), b(":a.b:{}")),
          ),
          { maxLength: 12 },
        ),
        (chunks) => {
          const f = new FifoFramer({ maxRequestBytes: 256 });
          let t = 0;
          for (const c of chunks) {
            t += 10;
            for (const frame of f.push(c, t)) {
              if (frame.kind === "request") expect(isForbiddenReplyName(frame.replyName)).toBe(false);
            }
          }
          expect(f.pending).toBeLessThanOrEqual(256);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("a half-written request", () => {
  it("does not swallow the next client's request written soon after", () => {
    const f = new FifoFramer();
    const partial = ':dead:{"jsonrpc":"2.0","id":1,';
    expect(f.push(b(partial), 0)).toEqual([]);
    expect(f.push(b(`:next:${REQ}`), 10)).toEqual([
      { kind: "dropped", reason: "bad-json", bytes: partial.length },
      { kind: "request", replyName: "next", value: JSON.parse(REQ) },
    ]);
    expect(f.pending).toBe(0);
  });

  it("still joins a request split across writes where the second part starts with ':'", () => {
    const f = new FifoFramer();
    expect(f.push(b(':r:{"jsonrpc":"2.0","method"'), 0)).toEqual([]);
    expect(f.push(b(':"which","id":3}'), 10)).toEqual([
      { kind: "request", replyName: "r", value: { jsonrpc: "2.0", method: "which", id: 3 } },
    ]);
  });
});

describe("a request written in pieces is framed in linear work (issue 10 item 1)", () => {
  /** A reg_list-sized JSON-RPC request of about `bytes` bytes, with strings, escapes, numbers and nesting. */
  function request(bytes: number): string {
    const items: string[] = [];
    let text = "";
    for (let k = 0; text.length < bytes; k++) {
      items.push(`{"aor":"sip:u${k}@reg.test","n":${k}.5e1,"ok":true,"s":"a\\u00e9\\n${k}"}`);
      text = `{"jsonrpc":"2.0","id":1,"method":"reg_upsert","params":[${items.join(",")}]}`;
    }
    return text;
  }

  /** Pushes `:r:<request>` in pieces of `piece` bytes; returns the framer's work and what it framed. */
  function frameInPieces(json: string, piece: number) {
    const f = new FifoFramer();
    const bytes = b(`:r:${json}`);
    const frames: FifoFrame[] = [];
    for (let i = 0; i < bytes.length; i += piece) frames.push(...f.push(bytes.subarray(i, i + piece), 0));
    return { work: f.workDone, frames, bytes: bytes.length };
  }

  it("frames the same requests whatever byte the pieces are cut at (escapes, numbers, literals split)", () => {
    const text = `:a:{"s":"\\"\\u00e9\\\\","n":-12.5e+3,"t":[true,false,null]} :b:7 :c:"x"\n:d:{}`;
    const whole = new FifoFramer().push(b(text), 0);
    expect(whole.map((x) => (x.kind === "request" ? [x.replyName, x.value] : x.reason))).toEqual([
      ["a", { s: '"\u00e9\\', n: -12500, t: [true, false, null] }],
      ["b", 7],
      ["c", "x"],
      ["d", {}],
    ]);
    for (let cut = 1; cut < text.length; cut++) {
      const f = new FifoFramer();
      expect([...f.push(b(text.slice(0, cut)), 0), ...f.push(b(text.slice(cut)), 1)]).toEqual(whole);
      expect(f.pending).toBe(0);
    }
  });

  it.each([64, 512, 1])("costs about 8 times the work for 8 times the bytes, in %i-byte pieces", (piece) => {
    const small = request(6000);
    const large = request(48_000);
    const n = frameInPieces(small, piece);
    const n8 = frameInPieces(large, piece);
    expect(n.frames).toEqual([{ kind: "request", replyName: "r", value: JSON.parse(small) }]);
    expect(n8.frames).toEqual([{ kind: "request", replyName: "r", value: JSON.parse(large) }]);
    // The quadratic framer rescanned and recopied the whole buffer per piece: a ratio of 56–63 in 64-byte pieces.
    expect(n8.work / n.work).toBeLessThanOrEqual(10);
    expect(n8.work / n8.bytes).toBeLessThanOrEqual(8);
  });
});

describe("the client side of the framing (docs/mi-protocol.md §4)", () => {
  it("frames a request the server's framer reads back unchanged", () => {
    const bytes = frameFifoRequest("uacreg_reply_12_1700000000_ab12", REQ);
    expect(bytes).toBe(`:uacreg_reply_12_1700000000_ab12:${REQ}`);
    expect(new FifoFramer().push(b(bytes), 0)).toEqual([
      { kind: "request", replyName: "uacreg_reply_12_1700000000_ab12", value: JSON.parse(REQ) },
    ]);
  });

  it("puts the reply at reply_dir + name, a plain concatenation as mi_fifo does", () => {
    expect(fifoReplyPath("/tmp/", "x")).toBe("/tmp/x");
    expect(fifoReplyPath("/tmp", "x")).toBe("/tmpx");
  });
});
