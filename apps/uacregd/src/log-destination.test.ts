import { describe, expect, it } from "vitest";
import { BatchedLines, MASK, maskingDestination, maskSecrets } from "./log-destination.js";

describe("maskSecrets", () => {
  it("masks a password at any depth and under any key ending in password", () => {
    const line = `${JSON.stringify({
      msg: "rejected row",
      password: "top-1",
      row: { aor: "sip:a@x", password: "row-2" },
      a: { b: { c: { password: "deep-3" } } },
      db_password: "db-4",
      proxyPassword: "px-5",
    })}\n`;
    const out = maskSecrets(line);
    for (const secret of ["top-1", "row-2", "deep-3", "db-4", "px-5"]) expect(out).not.toContain(secret);
    expect(JSON.parse(out)).toEqual({
      msg: "rejected row",
      password: MASK,
      row: { aor: "sip:a@x", password: MASK },
      a: { b: { c: { password: MASK } } },
      db_password: MASK,
      proxyPassword: MASK,
    });
  });

  it("masks auth and authorization values, numbers and escaped quotes included, and keeps auth_username", () => {
    const line = JSON.stringify({
      auth: 'Digest username="alice", response="abc"',
      request: { authorization: "Digest x", "Proxy-Authorization": "Digest y" },
      pin: { password: 123456 },
      auth_username: "alice",
      note: 'say "password" aloud',
    });
    const out = JSON.parse(maskSecrets(line)) as Record<string, unknown>;
    expect(out).toEqual({
      auth: MASK,
      request: { authorization: MASK, "Proxy-Authorization": MASK },
      pin: { password: MASK },
      auth_username: "alice",
      note: 'say "password" aloud',
    });
  });

  it("returns a line naming no secret key as it is", () => {
    const line = '{"level":30,"aor":"sip:u5@reg.test","state":"REGISTERED_STATE","code":200,"msg":"state change"}\n';
    expect(maskSecrets(line)).toBe(line);
  });

  it("masks before the line reaches the target", () => {
    const written: string[] = [];
    maskingDestination({ write: (c: string) => written.push(c) }).write('{"password":"s3cret"}\n');
    expect(written).toEqual([`{"password":"${MASK}"}\n`]);
  });
});

/** A virtual one-shot timer: the tests fire it; nothing waits on real time. */
function virtualTimer() {
  const armed: { fire: () => void; delayMs: number }[] = [];
  return { armed, arm: (fire: () => void, delayMs: number) => void armed.push({ fire, delayMs }) };
}

describe("BatchedLines", () => {
  const limits = { burstLines: 3, windowMs: 100, maxChars: 40 };
  function batched() {
    const writes: string[] = [];
    const timer = virtualTimer();
    const lines = new BatchedLines({ write: (c: string) => writes.push(c) }, limits, timer.arm);
    /** Ends the window armed last (the virtual clock reaching it). */
    const endWindow = () => timer.armed.at(-1)?.fire();
    return { writes, timer, lines, endWindow };
  }

  it("writes each line at once while fewer than burstLines come in a window", () => {
    const { writes, timer, lines, endWindow } = batched();
    lines.write("a\n");
    lines.write("b\n");
    expect(writes).toEqual(["a\n", "b\n"]);
    expect(timer.armed.map((t) => t.delayMs)).toEqual([100]);
    endWindow();
    lines.write("c\n");
    lines.write("d\n");
    expect(writes).toEqual(["a\n", "b\n", "c\n", "d\n"]);
    expect(lines.pendingLines).toBe(0);
  });

  it("holds the lines of a burst and writes them in one write when the window ends, in order", () => {
    const { writes, timer, lines, endWindow } = batched();
    for (const l of ["1\n", "2\n", "3\n", "4\n", "5\n"]) lines.write(l);
    expect(writes).toEqual(["1\n", "2\n", "3\n"]);
    expect(lines.pendingLines).toBe(2);
    endWindow();
    expect(writes).toEqual(["1\n", "2\n", "3\n", "4\n5\n"]);
    // Still a burst: the next window is open at once and holds its lines too.
    expect(timer.armed).toHaveLength(2);
    lines.write("6\n");
    expect(writes).toHaveLength(4);
    endWindow();
    expect(writes.at(-1)).toBe("6\n");
    // That window had fewer than burstLines: the burst is over, the next line goes out at once.
    lines.write("7\n");
    expect(writes.at(-1)).toBe("7\n");
  });

  it("writes a burst's held lines at once when maxChars are pending", () => {
    const { writes, lines } = batched();
    for (let i = 0; i < 3; i++) lines.write(`line ${i}\n`);
    lines.write("0123456789012345678\n");
    expect(writes).toHaveLength(3);
    lines.write("0123456789012345678\n");
    expect(writes).toEqual(["line 0\n", "line 1\n", "line 2\n", "0123456789012345678\n0123456789012345678\n"]);
    expect(lines.pendingLines).toBe(0);
  });

  it("writes what a burst holds at once on flush (the process's exit), and nothing when nothing is held", () => {
    const { writes, lines } = batched();
    lines.flush();
    expect(writes).toEqual([]);
    for (let i = 0; i < 4; i++) lines.write(`${i}\n`);
    expect(lines.pendingLines).toBe(1);
    lines.flush();
    expect(writes).toEqual(["0\n", "1\n", "2\n", "3\n"]);
    expect(lines.pendingLines).toBe(0);
  });
});
