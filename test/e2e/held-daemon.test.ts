/**
 * A daemon held up while its REGISTER is answered (SIGSTOP here; in production a long GC pause, a blocking disk write
 * or a starved VM): the answer reaches its socket in time and waits there, unread, past Timer F. On resuming, the
 * event loop runs its timers before it reads the sockets; the transport then reads what arrived before it lets a
 * timer expire (packages/transport/README.md, "A held-up event loop"), so the record is REGISTERED, not
 * REGISTER_TIMEOUT_STATE, and the request is not sent again.
 */
import { afterAll, describe, expect, it } from "vitest";
import { registrantRow, startUacregd, stopAllUacregd } from "../support/uacregd.js";
import { rawHeader, UdpSipPeer } from "../support/udp-sip-peer.js";

let peer: UdpSipPeer | undefined;
afterAll(async () => {
  await stopAllUacregd();
  await peer?.close();
});

/** The registrar's 200 OK to `req` (no challenge), granting 60 s to its Contact. */
function ok(req: string): string {
  const contact = rawHeader(req, "Contact")!.replace(/;expires=\d+/, "");
  return (
    "SIP/2.0 200 OK\r\n" +
    `Via: ${rawHeader(req, "Via")}\r\n` +
    `From: ${rawHeader(req, "From")}\r\n` +
    `To: ${rawHeader(req, "To")};tag=held-test\r\n` +
    `Call-ID: ${rawHeader(req, "Call-ID")}\r\n` +
    `CSeq: ${rawHeader(req, "CSeq")}\r\n` +
    `Contact: ${contact};expires=60\r\n` +
    "Content-Length: 0\r\n\r\n"
  );
}

describe("a daemon held up past Timer F", () => {
  it("takes the answer that arrived while it was stopped: REGISTERED, one REGISTER on the wire", async () => {
    peer = await UdpSipPeer.open();
    const REG = `sip:127.0.0.1:${peer.port}`;
    const d = await startUacregd({ rows: [registrantRow({ registrar: REG })], tm: { fr_timeout: 2 } });
    const req = await peer.next(10_000);
    expect(req).toMatch(/^REGISTER /);
    const pid = d.process.pid!;
    process.kill(pid, "SIGSTOP");
    try {
      await peer.send(ok(req!), d.sipPort);
      // Past Timer F (2 s) and Timer E's first copies (0.5 s, 1.5 s): all of them due when the daemon wakes up.
      await new Promise((r) => setTimeout(r, 3500));
    } finally {
      process.kill(pid, "SIGCONT");
    }
    const settled = (s: string | undefined) =>
      s !== undefined && !["NOT_REGISTERED_STATE", "REGISTERING_STATE"].includes(s);
    const [rec] = await d.waitFor((l) => settled(l[0]?.state), 5000);
    expect(rec?.state).toBe("REGISTERED_STATE");
    // Nothing sent again: no copy by Timer E, no new REGISTER after a timeout.
    expect(await peer.next(1000)).toBeUndefined();
    expect(d.logs().filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
    expect(await d.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  });
});
