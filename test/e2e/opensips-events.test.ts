/**
 * OpenSIPS's events and status reports (issue 13, docs/events.md) against a real daemon and the demo registrar: a
 * UDP listener and a TCP listener subscribe with event_subscribe and decode what arrives while a record goes
 * REGISTERED, then WRONG_CREDENTIALS (its password changed with reg_upsert); the sr_* commands answer as OpenSIPS's.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { startDemoRegistrar } from "@uacreg/demo-registrar";
import { afterAll, describe, expect, it } from "vitest";
import { MiCallError, registrantRow, startUacregd, stopAllUacregd } from "../support/uacregd.js";

afterAll(stopAllUacregd);

interface Notification {
  jsonrpc: string;
  method: string;
  params: Record<string, unknown>;
  id?: unknown;
}

/** A UDP event listener: one JSON-RPC notification per datagram. */
async function udpListener(): Promise<{ port: number; got: Notification[]; raw: string[]; close(): Promise<void> }> {
  const socket: UdpSocket = createSocket("udp4");
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  const got: Notification[] = [];
  const raw: string[] = [];
  socket.on("message", (m) => {
    raw.push(m.toString("utf8"));
    got.push(JSON.parse(m.toString("utf8")) as Notification);
  });
  return {
    port: socket.address().port,
    got,
    raw,
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

/**
 * A TCP event listener: event_stream writes the notifications back to back with no delimiter, so the stream is split
 * by reading one JSON value after the other.
 */
async function tcpListener(): Promise<{
  port: number;
  got: Notification[];
  connections: () => number;
  raw: () => string;
  close(): Promise<void>;
}> {
  const got: Notification[] = [];
  let text = "";
  let all = "";
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    connections++;
    sockets.add(s);
    s.setEncoding("utf8");
    s.on("data", (chunk: string) => {
      text += chunk;
      all += chunk;
      for (;;) {
        const end = endOfFirstJsonObject(text);
        if (end < 0) break;
        got.push(JSON.parse(text.slice(0, end)) as Notification);
        text = text.slice(end);
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return {
    port: address.port,
    got,
    connections: () => connections,
    raw: () => all,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Index just past the first complete JSON object of `text` (strings and escapes respected), or -1. */
function endOfFirstJsonObject(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
  }
  return -1;
}

async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("OpenSIPS events and status reports", () => {
  it("delivers E_REGISTRANT_* to udp: and stream: subscribers and keeps the status report of each record", async () => {
    const registrar = await startDemoRegistrar({ users: { alice: "secret" }, realm: "reg.test" });
    const udp = await udpListener();
    const tcp = await tcpListener();
    try {
      const registrarUri = `sip:127.0.0.1:${registrar.port}`;
      const row = registrantRow({ registrar: registrarUri, state: 1 });
      const d = await startUacregd({ rows: [row] });
      const key = { aor: row.aor, contact: row.binding_URI, registrar: registrarUri };
      const identifier = `aor=${key.aor};contact=${key.contact};registrar=${key.registrar}`;

      // The loaded (disabled) record has its identifier, created NOT_REGISTERED; the core group says running.
      expect(await d.mi("sr_list_identifiers", ["uac_registrant"])).toEqual({
        Group: "uac_registrant",
        Identifiers: [identifier],
      });
      expect(await d.mi("sr_get_status", ["uac_registrant", identifier])).toEqual({
        Readiness: false,
        Status: -1,
        Details: "NOT_REGISTERED_STATE",
      });
      expect(await d.mi("sr_get_status", ["core"])).toEqual({ Readiness: true, Status: 1, Details: "running" });

      const udpSocket = `udp:127.0.0.1:${udp.port}`;
      expect(await d.mi("event_subscribe", ["E_REGISTRANT_REGISTERED", udpSocket, 120])).toBe("OK");
      expect(await d.mi("event_subscribe", { event: "E_REGISTRANT_WRONG_CREDENTIALS", socket: udpSocket })).toBe("OK");
      expect(await d.mi("evi:subscribe", ["E_REGISTRANT_REGISTERED", `stream:127.0.0.1:${tcp.port}`])).toBe("OK");
      expect(
        await d.mi("event_subscribe", ["E_REGISTRANT_WRONG_CREDENTIALS", `tcp:127.0.0.1:${tcp.port}/registrant_down`]),
      ).toBe("OK");
      const bad = await d.mi("event_subscribe", ["E_REGISTRANT_REGISTERED", "udp:127.0.0.1"]).catch((e: unknown) => e);
      expect(bad instanceof MiCallError && [bad.error.code, bad.error.message]).toEqual([400, "Bad parameter value"]);

      const listed = await d.mi<{ Events: { name: string; Subscribers: { socket: string; expire: number }[] }[] }>(
        "subscribers_list",
      );
      expect(listed.Events.map((e) => [e.name, e.Subscribers.map((s) => `${s.socket} ${s.expire}`)])).toEqual([
        ["E_REGISTRANT_REGISTERED", [`tcp:127.0.0.1:${tcp.port} 3600`, `${udpSocket} 120`]],
        ["E_REGISTRANT_WRONG_CREDENTIALS", [`tcp:127.0.0.1:${tcp.port}/registrant_down 3600`, `${udpSocket} 3600`]],
      ]);

      // REGISTERED: enable the record.
      await d.mi("reg_enable", [key.aor, key.contact, key.registrar]);
      await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 15_000);
      await until("REGISTERED on both listeners", () => udp.got.length === 1 && tcp.got.length === 1);
      const params = { aor: key.aor, contact: key.contact, registrar: key.registrar };
      expect(udp.got[0]).toEqual({ jsonrpc: "2.0", method: "E_REGISTRANT_REGISTERED", params });
      expect(tcp.got[0]).toEqual({ jsonrpc: "2.0", method: "E_REGISTRANT_REGISTERED", params });
      expect(udp.raw[0]).toBe(
        `{"jsonrpc":"2.0","method":"E_REGISTRANT_REGISTERED","params":{"aor":"${key.aor}","contact":"${key.contact}","registrar":"${key.registrar}"}}`,
      );
      expect(await d.mi("sr_get_status", { group: "uac_registrant", identifier })).toEqual({
        Readiness: true,
        Status: 1,
        Details: "REGISTERED_STATE",
      });

      // WRONG_CREDENTIALS: the record's password changes to one the registrar refuses.
      await d.mi("reg_upsert", [
        key.aor,
        key.contact,
        key.registrar,
        "",
        "",
        "alice",
        "not-the-password",
        "",
        60,
        "",
        "",
        0,
      ]);
      await d.waitFor((r) => r[0]?.state === "WRONG_CREDENTIALS_STATE", 15_000);
      await until("WRONG_CREDENTIALS on both listeners", () => udp.got.length === 2 && tcp.got.length === 2);
      expect(udp.got[1]).toEqual({ jsonrpc: "2.0", method: "E_REGISTRANT_WRONG_CREDENTIALS", params });
      expect(tcp.got[1]).toEqual({ jsonrpc: "2.0", method: "registrant_down", params });
      expect(tcp.connections()).toBe(1);
      for (const text of [...udp.raw, tcp.raw()]) {
        expect(text).not.toContain("secret");
        expect(text).not.toContain("not-the-password");
      }

      // The status report: NOT_READY with the state as details, and the reports of every change, in order.
      expect(await d.mi("status_report:get", ["uac_registrant", identifier])).toEqual({
        Readiness: false,
        Status: -1,
        Details: "WRONG_CREDENTIALS_STATE",
      });
      const reports = await d.mi<{ Timestamp: number; Date: string; Log: string }[]>("sr_list_reports", [
        "uac_registrant",
        identifier,
      ]);
      expect(reports.map((r) => r.Log)).toEqual([
        "created with state NOT_REGISTERED_STATE\n",
        "state changed to REGISTERING_STATE\n",
        "state changed to AUTHENTICATING_STATE\n",
        "state changed to REGISTERED_STATE\n",
        "state changed to REGISTERING_STATE\n",
        "state changed to AUTHENTICATING_STATE\n",
        "state changed to WRONG_CREDENTIALS_STATE\n",
      ]);
      const now = Math.floor(Date.now() / 1000);
      for (const r of reports) {
        expect(Math.abs(r.Timestamp - now)).toBeLessThan(60);
        expect(r.Date).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3][0-9] \d\d:\d\d:\d\d \d{4}$/);
      }
      const status = await d.mi<{ Name: string; Identifiers: unknown[] }[]>("sr_list_status");
      expect(status.map((g) => g.Name)).toEqual(["uac_registrant", "core"]);
      expect(status[0]?.Identifiers).toEqual([
        { Name: identifier, Readiness: false, Status: -1, Details: "WRONG_CREDENTIALS_STATE" },
      ]);

      // expire 0 unsubscribes: the UDP subscriber of REGISTERED is gone once the second is over.
      expect(await d.mi("event_subscribe", ["E_REGISTRANT_REGISTERED", udpSocket, 0])).toBe("OK");
      await until("the expire-0 subscriber to go", async () => {
        const r = await d.mi<{ Event: { Subscribers?: { socket: string }[] } }>("subscribers_list", [
          "E_REGISTRANT_REGISTERED",
        ]);
        return !(r.Event.Subscribers ?? []).some((s) => s.socket === udpSocket);
      });
      const gone = await d.mi("subscribers_list", ["E_REGISTRANT_REGISTERED", udpSocket]).catch((e: unknown) => e);
      expect(gone instanceof MiCallError && gone.error.message).toBe("Subscriber does not exist");

      expect(await d.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    } finally {
      await udp.close();
      await tcp.close();
      await registrar.close();
    }
  });
});
