import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { SipTransport } from "./sip-transport.js";
import { register } from "./test-support/udp-peer.js";

const SIPP = "/usr/bin/sipp";
const SCENARIO = fileURLToPath(new URL("../test-fixtures/uas-register-options.xml", import.meta.url));
const PING = fileURLToPath(new URL("../test-fixtures/uac-options.xml", import.meta.url));

/** A UDP port the OS just handed out (released again for SIPp to take). */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe("interop with SIPp as the registrar (UDP)", () => {
  it("REGISTER gets SIPp's 200 OK, then an OPTIONS on the same Call-ID gets 200 and SIPp ends the call cleanly", async () => {
    const port = await freeUdpPort();
    const sipp = spawn(
      SIPP,
      ["-sf", SCENARIO, "-i", "127.0.0.1", "-p", String(port), "-m", "1", "-nostdin", "-timeout", "15s"],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    sipp.stderr.on("data", (c) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => sipp.on("exit", (code) => resolve(code)));
    cleanup.push(() => {
      if (sipp.exitCode === null) sipp.kill("SIGKILL");
    });
    const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"], timers: { t1Ms: 100, frTimeoutS: 5 } });
    cleanup.push(() => t.close());
    const req = register(`sip:127.0.0.1:${port}`);
    // SIPp needs a moment to bind; Timer E retransmits until it is there.
    const reg = await t.send(req);
    expect(reg.kind).toBe("response");
    if (reg.kind !== "response") return;
    expect(reg.response.status).toBe(200);
    expect(reg.response.getHeader("Contact")).toBe("<sip:alice@127.0.0.1:5060>;expires=120");
    const options = await t.send(register(`sip:127.0.0.1:${port}`, { method: "OPTIONS", callId: req.callId, cseq: 2 }));
    expect(options.kind === "response" && options.response.status).toBe(200);
    expect(await exited, stderr).toBe(0);
  });

  it("answers SIPp's OPTIONS ping with 200 (SIPp exits 0)", async () => {
    const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"] });
    cleanup.push(() => t.close());
    const ours = t.sockets()[0]!.slice("udp:".length);
    const port = await freeUdpPort();
    const sipp = spawn(
      SIPP,
      ["-sf", PING, "-i", "127.0.0.1", "-p", String(port), "-m", "1", "-nostdin", "-timeout", "10s", ours],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    sipp.stderr.on("data", (c) => {
      stderr += c.toString();
    });
    cleanup.push(() => {
      if (sipp.exitCode === null) sipp.kill("SIGKILL");
    });
    const code = await new Promise<number | null>((resolve) => sipp.on("exit", (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    expect(t.counters.requestsReceived).toEqual({ OPTIONS: 1 });
    expect(t.counters.responsesSent).toEqual({ "2xx": 1 });
  });
});
