import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MiRegistry } from "@uacreg/mi";
import { registerRegistrantCommands } from "@uacreg/registrant-mi";
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordId } from "./record-id.js";
import { FixtureHistory, FixtureRecords, view } from "./test-support/fixture-records.js";
import { SseReader } from "./test-support/sse-reader.js";
import { WebStatusServer, type WebStatusServerOptions } from "./web-status-server.js";

const ALICE = view("sip:alice@a.test", "sip:reg.test", "REGISTERED_STATE");
const BOB = view("sip:bob@a.test", "sip:reg.test", "WRONG_CREDENTIALS_STATE", { passwordSet: true });
const CAROL = view("sip:carol@b.test", "sip:other.test", "NOT_REGISTERED_STATE", { passwordSet: false });
const ALICE_ID = recordId(ALICE);

let dir: string;
let root: string;
let records: FixtureRecords;
let history: FixtureHistory;
let clock: VirtualClock;
let server: WebStatusServer;
let base: string;
let port: number;
let loaded: boolean;
const readers: SseReader[] = [];
const FIXED_LAG = {
  percentile: () => 10e6,
  max: 12e6,
  count: 1,
  reset() {},
  enable: () => true,
  disable: () => true,
};

async function start(over: Partial<WebStatusServerOptions> = {}): Promise<void> {
  await server?.close();
  const registry = new MiRegistry();
  registerRegistrantCommands(registry, () => (loaded ? records : undefined));
  server = new WebStatusServer({
    records: () => (loaded ? records : undefined),
    stateChanges: (l) => records.onStateChange(l),
    history,
    mi: registry,
    clock,
    staticRoot: root,
    // A fixed loop delay: the summary only changes when the records do (the real monitor moves every tick).
    lagHistogram: FIXED_LAG,
    ...over,
  });
  const a = await server.listen();
  port = a.port;
  base = `http://127.0.0.1:${port}`;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "web-server-"));
  root = join(dir, "www");
  mkdirSync(join(root, "assets"), { recursive: true });
  writeFileSync(join(root, "index.html"), "<!doctype html><title>uacreg</title>");
  writeFileSync(join(root, "assets", "index-B4xk9Qz1.js"), "console.log(1)");
  writeFileSync(join(root, "assets", ".secret"), "hidden");
  writeFileSync(join(dir, "outside.txt"), "outside the root");
  symlinkSync(join(dir, "outside.txt"), join(root, "assets", "link.txt"));
  records = new FixtureRecords().add(ALICE, BOB, CAROL);
  history = new FixtureHistory();
  records.onStateChange(history.observe);
  clock = new VirtualClock();
  loaded = true;
  await start();
});

afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The JSON answers' fields the tests read. */
interface ApiBody {
  error: { code: string; message: string; parameter?: string };
  items: Array<{ aor: string }>;
  states: Record<string, number>;
  eventLoopLagMs: Record<string, number>;
  now: number;
  [field: string]: unknown;
}
const j = async (r: Response): Promise<ApiBody> => (await r.json()) as ApiBody;

const post = (path: string, init: RequestInit = {}) =>
  fetch(base + path, { method: "POST", headers: { "content-type": "application/json" }, body: "{}", ...init });

/** A GET with a raw request target (fetch would normalise `..` away). */
function rawGet(target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: target }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function sse(headers: Record<string, string> = {}): SseReader {
  const r = new SseReader(port, headers);
  readers.push(r);
  return r;
}

describe("GET /api/summary", () => {
  it("counts every state (zeros included), the success window and the loop lag", async () => {
    records.move(CAROL, "REGISTERING_STATE", "visit", 1000);
    records.move(CAROL, "REGISTERED_STATE", "200 OK", 1001);
    const res = await fetch(`${base}/api/summary`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const s = await j(res);
    expect(s).toMatchObject({
      node: null,
      total: 3,
      ready: true,
      success: { windowSeconds: 300, ok: 1, failed: 0, ratio: 1 },
    });
    expect(Object.keys(s.states)).toHaveLength(10);
    expect(s.states).toMatchObject({ REGISTERED_STATE: 2, WRONG_CREDENTIALS_STATE: 1, REGISTRAR_ERROR_STATE: 0 });
    expect(s.now).toBe(Math.floor(clock.wallNow() / 1000));
    expect(s.eventLoopLagMs).toEqual({ p50: 10, p99: 10, max: 12 });
  });

  it("says not ready while the records are not loaded; the record routes answer 503", async () => {
    loaded = false;
    expect(await (await fetch(`${base}/api/summary`)).json()).toMatchObject({ ready: false, total: 0 });
    const res = await fetch(`${base}/api/records`);
    expect(res.status).toBe(503);
    expect((await j(res)).error.code).toBe("not_ready");
    expect((await post(`/api/records/${ALICE_ID}/disable`)).status).toBe(503);
    expect((await post("/api/reload")).status).toBe(503);
  });
});

describe("GET /api/records", () => {
  it("pages, filters and sorts; failing first by default", async () => {
    const page = await j(await fetch(`${base}/api/records?limit=2`));
    expect(page.total).toBe(3);
    expect(page.items.map((i) => i.aor)).toEqual([BOB.aor, CAROL.aor]);
    const filtered = await (await fetch(`${base}/api/records?q=OTHER&sort=aor`)).json();
    expect(filtered).toMatchObject({ total: 1, offset: 0, items: [{ aor: CAROL.aor, passwordSet: false }] });
  });

  it("answers 400 naming the bad parameter", async () => {
    for (const [query, parameter] of [
      ["limit=1000", "limit"],
      ["state=UP", "state"],
      ["sort=id", "sort"],
      ["offset=x", "offset"],
      ["colour=red", "colour"],
    ]) {
      const res = await fetch(`${base}/api/records?${query}`);
      expect(res.status).toBe(400);
      const body = await j(res);
      expect(body.error).toMatchObject({ code: "bad_request", parameter });
      expect(body.error.message).toContain(parameter);
    }
  });

  it("shows one record with its history; an unknown or malformed id is a 404", async () => {
    records.move(ALICE, "REGISTERING_STATE", "refresh", 1000);
    records.move(ALICE, "REGISTERED_STATE", "200 OK", 1001);
    const res = await fetch(`${base}/api/records/${ALICE_ID}`);
    expect(res.status).toBe(200);
    const detail = await j(res);
    expect(detail).toMatchObject({
      id: ALICE_ID,
      aor: ALICE.aor,
      state: "REGISTERED_STATE",
      since: 1001,
      lastReply: { code: 200, reason: "OK" },
      expiresAt: ALICE.lastRegisterSent + ALICE.expires,
      history: [
        { at: 1000, from: "REGISTERED_STATE", to: "REGISTERING_STATE", reason: "refresh" },
        { at: 1001, from: "REGISTERING_STATE", to: "REGISTERED_STATE", reason: "200 OK" },
      ],
    });
    const unknown = recordId({ aor: "sip:nobody@a.test", contact: "sip:x", registrar: "sip:y" });
    for (const id of [unknown, "not-an-id", "%2e%2e"]) {
      const r = await fetch(`${base}/api/records/${id}`);
      expect(r.status).toBe(404);
      expect((await j(r)).error.code).toBe("not_found");
    }
  });
});

describe("actions", () => {
  it("run through the MI commands and answer their text", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const keep = (obj: object, msg: string) => lines.push({ ...obj, msg });
    await start({ logger: { debug: keep, info: keep, warn: keep, error: keep } });
    const res = await post(`/api/records/${recordId(BOB)}/disable`);
    expect(res.status).toBe(200);
    expect(await j(res)).toEqual({ ok: true, message: "OK" });
    expect((await post(`/api/records/${ALICE_ID}/enable`)).status).toBe(200);
    expect((await post(`/api/records/${ALICE_ID}/force-register`)).status).toBe(200);
    expect((await post(`/api/records/${ALICE_ID}/reload`)).status).toBe(200);
    expect((await post("/api/reload", { body: "" })).status).toBe(200);
    expect(records.calls).toEqual([
      `disable ${BOB.aor}`,
      `enable ${ALICE.aor}`,
      `force ${ALICE.aor}`,
      `reload ${ALICE.aor}`,
      "reload all",
    ]);
    // One line per action, with who asked (the MI's own logging is the registry's).
    expect(lines[0]).toMatchObject({ msg: "web action", action: "disable", aor: BOB.aor, outcome: "ok" });
    expect(String(lines[0]?.remote)).toMatch(/127\.0\.0\.1/);
    expect(lines).toHaveLength(5);
  });

  it("answer 404 for an unknown record or action, 405 for a GET, the MI's 404 for a reload of a missing row", async () => {
    const unknown = recordId({ aor: "sip:nobody@a.test", contact: "sip:x", registrar: "sip:y" });
    expect((await post(`/api/records/${unknown}/disable`)).status).toBe(404);
    expect((await post(`/api/records/${ALICE_ID}/explode`)).status).toBe(404);
    const reload = await post(`/api/records/${unknown}/reload`);
    expect(reload.status).toBe(404);
    expect((await j(reload)).error.message).toBe("No such registrant in database");
    const get = await fetch(`${base}/api/records/${ALICE_ID}/disable`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(records.calls).toEqual(["reload sip:nobody@a.test"]);
  });

  it("refuse a cross-site request: no JSON content type, or an Origin that is not this host (403)", async () => {
    const form = await post(`/api/records/${ALICE_ID}/disable`, {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "a=b",
    });
    expect(form.status).toBe(403);
    expect((await j(form)).error.code).toBe("forbidden");
    const evil = await post(`/api/records/${ALICE_ID}/disable`, {
      headers: { "content-type": "application/json", origin: "http://evil.test" },
    });
    expect(evil.status).toBe(403);
    const same = await post(`/api/records/${ALICE_ID}/disable`, {
      headers: { "content-type": "application/json; charset=utf-8", origin: base },
    });
    expect(same.status).toBe(200);
    expect(records.calls).toEqual([`disable ${ALICE.aor}`]);
  });

  it("refuse a body over 16 KiB (413)", async () => {
    const res = await post("/api/reload", { body: JSON.stringify({ pad: "x".repeat(20_000) }) });
    expect(res.status).toBe(413);
    expect(records.calls).toEqual([]);
  });
});

describe("DNS rebinding", () => {
  it("without a token, refuses an API request whose Host is a name other than localhost (403)", async () => {
    const at = (host: string, path = "/api/summary") =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    expect(await at(`evil.example:${port}`)).toBe(403);
    expect(await at("evil.example", "/events")).toBe(403);
    expect(await at(`localhost:${port}`)).toBe(200);
    expect(await at(`ui.localhost:${port}`)).toBe(200);
    expect(await at(`127.0.0.1:${port}`)).toBe(200);
    expect(await at(`[::1]:${port}`)).toBe(200);
    expect(await at("evil.example", "/")).toBe(200); // the page holds no data
    await start({ token: "s3cret-token" });
    const withToken = await fetch(`${base}/api/summary`, {
      headers: { host: "status.example.net", authorization: "Bearer s3cret-token" },
    });
    expect(withToken.status).toBe(200);
  });
});

describe("token", () => {
  beforeEach(() => start({ token: "s3cret-token" }));

  it("is required on the API and the event stream, not on the page", async () => {
    const res = await fetch(`${base}/api/summary`);
    expect(res.status).toBe(401);
    expect((await j(res)).error.code).toBe("unauthorized");
    expect((await fetch(`${base}/api/records`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await post(`/api/records/${ALICE_ID}/disable`)).status).toBe(401);
    expect(records.calls).toEqual([]);
    const ok = await fetch(`${base}/api/summary`, { headers: { authorization: "Bearer s3cret-token" } });
    expect(ok.status).toBe(200);
    const stream = sse();
    await stream.until(() => stream.status !== 0 && stream.ended);
    expect(stream.status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(200);
  });

  it("POST /api/login sets an HttpOnly SameSite=Strict cookie that is not the token; a wrong token is a 401", async () => {
    const wrong = await post("/api/login", { body: JSON.stringify({ token: "guess" }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const login = await post("/api/login", { body: JSON.stringify({ token: "s3cret-token" }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^uacreg_session=[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(cookie).not.toContain("s3cret-token");
    const session = cookie.split(";")[0] as string;
    expect((await fetch(`${base}/api/records`, { headers: { cookie: session } })).status).toBe(200);
    expect((await fetch(`${base}/api/records`, { headers: { cookie: "uacreg_session=forged" } })).status).toBe(401);
    const stream = sse({ cookie: session });
    await stream.until((f) => f.some((x) => x.event === "snapshot"));
    const logout = await post("/api/logout");
    expect(logout.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await post("/api/login", { body: "not json" })).status).toBe(400);
  });
});

describe("static files", () => {
  it("serves the page and hashed assets with their types and cache rules", async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await page.text()).toContain("<title>uacreg</title>");
    const js = await fetch(`${base}/assets/index-B4xk9Qz1.js`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    expect((await post("/")).status).toBe(405);
  });

  it("lists no directory and serves nothing outside the root", async () => {
    for (const target of [
      "/assets/",
      "/assets",
      "/assets/%2e%2e/%2e%2e/outside.txt",
      "/..%2foutside.txt",
      "/../outside.txt",
      "/assets/link.txt",
      "/assets/.secret",
      "/assets/%00",
      "/assets/..%5c..%5coutside.txt",
      "/%E0%A4%A",
    ]) {
      const r = await rawGet(target);
      expect([400, 404], target).toContain(r.status);
      expect(r.body).not.toContain("outside the root");
      expect(r.body).not.toContain("hidden");
    }
  });

  it("answers 503 'front end not built' when the page is missing, and the API still works", async () => {
    await start({ staticRoot: join(dir, "no-such-dir") });
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("front end not built");
    expect((await fetch(`${base}/api/summary`)).status).toBe(200);
    await start({ staticRoot: () => undefined });
    expect((await fetch(`${base}/`)).status).toBe(503);
  });
});

describe("GET /events", () => {
  it("starts with a snapshot, then one state frame per change, several changes in one write", async () => {
    const stream = sse();
    const first = await stream.until((f) => f.some((x) => x.event === "snapshot"));
    expect(stream.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    const head = await fetch(`${base}/events`, { method: "HEAD" });
    expect([head.status, head.headers.get("content-type")]).toEqual([200, "text/event-stream; charset=utf-8"]);
    expect((await post("/events")).status).toBe(405);
    expect(first[0]).toEqual({ retry: "2000" });
    const snap = first[1];
    const snapData = JSON.parse(snap?.data ?? "");
    expect(snap?.id).toBe(String(snapData.seq));
    expect(snapData.summary).toMatchObject({ total: 3, ready: true });
    const writes = server.events.counters.writes;
    records.move(ALICE, "REGISTERING_STATE", "refresh", 2000);
    records.move(ALICE, "REGISTERED_STATE", "200 OK", 2001);
    records.move(BOB, "REGISTERING_STATE", "retry", 2002);
    const frames = await stream.until((f) => f.filter((x) => x.event === "state").length === 3);
    expect(server.events.counters.writes - writes).toBe(1); // one write for the three changes of this turn
    const states = frames.filter((x) => x.event === "state");
    expect(states.map((x) => Number(x.id))).toEqual([snapData.seq + 1, snapData.seq + 2, snapData.seq + 3]);
    expect(JSON.parse(states[1]?.data ?? "")).toEqual({
      seq: snapData.seq + 2,
      id: ALICE_ID,
      key: { aor: ALICE.aor, contact: ALICE.contact, registrar: ALICE.registrar },
      from: "REGISTERING_STATE",
      to: "REGISTERED_STATE",
      reason: "200 OK",
      at: 2001,
    });
  });

  it("sends the summary every 2 s when it changed, and a keep-alive comment every 15 s", async () => {
    const stream = sse();
    await stream.until((f) => f.some((x) => x.event === "snapshot"));
    await clock.advance(2000); // nothing changed since the snapshot but the first tick always sends
    await stream.until((f) => f.some((x) => x.event === "summary"));
    records.move(CAROL, "REGISTERING_STATE", "visit", 3000);
    await clock.advance(2000);
    const frames = await stream.until((f) => f.filter((x) => x.event === "summary").length === 2);
    const last = frames.filter((x) => x.event === "summary")[1];
    expect(JSON.parse(last?.data ?? "").summary.states.REGISTERING_STATE).toBe(1);
    await clock.advance(2000); // unchanged: no summary
    await clock.advance(9000);
    await stream.until((f) => f.some((x) => x.comment === "keep-alive"));
    expect(stream.frames.filter((x) => x.event === "summary")).toHaveLength(2);
  });

  it("replays what a reconnecting client missed after its Last-Event-ID; too old an id gets a snapshot", async () => {
    await start({ events: { retain: 3 } });
    const stream = sse();
    const [, snap] = await stream.until((f) => f.some((x) => x.event === "snapshot"));
    const seq0 = Number(snap?.id);
    stream.close();
    records.move(ALICE, "REGISTERING_STATE", "a", 1);
    records.move(ALICE, "REGISTERED_STATE", "b", 2);
    const again = sse({ "last-event-id": String(seq0 + 1) });
    const frames = await again.until((f) => f.some((x) => x.event === "state"));
    expect(frames.map((x) => x.event ?? "retry")).toEqual(["retry", "state"]);
    expect(frames[1]?.id).toBe(String(seq0 + 2));
    records.move(ALICE, "REGISTERING_STATE", "c", 3);
    records.move(ALICE, "REGISTERED_STATE", "d", 4);
    records.move(ALICE, "REGISTERING_STATE", "e", 5);
    // seq0 + 2 fell out of the 3 kept: a fresh snapshot instead.
    const late = sse({ "last-event-id": String(seq0 + 1) });
    const lateFrames = await late.until((f) => f.some((x) => x.event === "snapshot"));
    expect(lateFrames.map((x) => x.event ?? "retry")).toEqual(["retry", "snapshot"]);
    expect(JSON.parse(lateFrames[1]?.data ?? "").seq).toBe(seq0 + 5);
    // An id from an earlier process (below this one's start) or garbage: a snapshot too.
    for (const id of ["5", "garbage"]) {
      const other = sse({ "last-event-id": id });
      await other.until((f) => f.some((x) => x.event === "snapshot"));
    }
  });

  it("bounds a slow client: nothing more while its socket is full, then a resync snapshot; closed if it never drains", async () => {
    await start({ events: { highWaterBytes: 64 * 1024, stallMs: 10_000 } });
    const stream = sse();
    await stream.until((f) => f.some((x) => x.event === "snapshot"));
    stream.res?.pause(); // stops reading: the kernel buffers fill, then the server's
    const reason = "x".repeat(4096);
    let turns = 0;
    const behind = () => server.events.counters.writes;
    // Publish turn after turn until the server stops writing to it (kernel buffers are a few MB at most).
    let last = -1;
    let stalledTurns = 0;
    while (stalledTurns < 5 && turns < 2000) {
      for (let i = 0; i < 50; i++) records.move(ALICE, i % 2 ? "REGISTERED_STATE" : "REGISTERING_STATE", reason, i);
      await new Promise((r) => setImmediate(r));
      turns++;
      const w = behind();
      stalledTurns = w === last ? stalledTurns + 1 : 0;
      last = w;
    }
    expect(stalledTurns).toBe(5); // five turns of 50 changes each and no write: its backlog is dropped
    const res = stream.res;
    if (!res) throw new Error("no response");
    // It may have drained and been resynced while the kernel buffers filled; count from here.
    const resyncs = server.events.counters.resyncs;
    const seen = stream.text.length;
    res.resume();
    const frames = await stream.until(
      () => stream.text.slice(seen).includes('"resync":true') && stream.text.endsWith("\n\n"),
    );
    expect(server.events.counters.resyncs).toBe(resyncs + 1);
    expect(frames.at(-1)?.event).toBe("snapshot");
    // It never drains again: closed after stallMs.
    res.pause();
    for (let t = 0; t < 2000 && server.events.counters.writes === last; t++) {
      for (let i = 0; i < 50; i++) records.move(ALICE, i % 2 ? "REGISTERED_STATE" : "REGISTERING_STATE", reason, i);
      await new Promise((r) => setImmediate(r));
    }
    const closedBefore = server.events.counters.closedSlow;
    for (let t = 0; t < 1000 && server.events.counters.closedSlow === closedBefore; t++) {
      for (let i = 0; i < 50; i++) records.move(ALICE, i % 2 ? "REGISTERED_STATE" : "REGISTERING_STATE", reason, i);
      await new Promise((r) => setImmediate(r));
      await clock.advance(2000);
    }
    expect(server.events.counters.closedSlow).toBe(1);
    expect(server.events.counters.clients).toBe(0);
  });
});

describe("wrong-token throttle", () => {
  it("answers 429 after 20 wrong tokens from one address within a minute, until the minute ends", async () => {
    await start({ token: "s3cret-token" });
    const wrong = { headers: { authorization: "Bearer guess" } };
    for (let i = 0; i < 5; i++) expect((await fetch(`${base}/api/summary`)).status).toBe(401); // no token: not counted
    for (let i = 0; i < 19; i++) expect((await fetch(`${base}/api/summary`, wrong)).status).toBe(401);
    expect((await post("/api/login", { body: JSON.stringify({ token: "guess" }) })).status).toBe(401); // the 20th
    const blocked = await fetch(`${base}/api/summary`, { headers: { authorization: "Bearer s3cret-token" } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await j(blocked)).error.code).toBe("too_many_requests");
    await clock.advance(60_000);
    expect((await fetch(`${base}/api/summary`, { headers: { authorization: "Bearer s3cret-token" } })).status).toBe(
      200,
    );
  });
});
