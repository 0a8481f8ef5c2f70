import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { MASK, maskingDestination, maskSecrets, TurnBatchedLines } from "./log-destination.js";

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
      request: { authorization: "Digest x" },
      pin: { password: 123456 },
      auth_username: "alice",
      note: 'say "password" aloud',
    });
    const out = JSON.parse(maskSecrets(line)) as Record<string, unknown>;
    expect(out).toEqual({
      auth: MASK,
      request: { authorization: MASK },
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

describe("TurnBatchedLines", () => {
  it("hands the lines of one event-loop turn to the target in one write, in order, on the next turn", async () => {
    const writes: string[] = [];
    const lines = new TurnBatchedLines({ write: (c: string) => writes.push(c) });
    lines.write("a\n");
    lines.write("b\n");
    lines.write("c\n");
    expect(writes).toEqual([]);
    expect(lines.pendingLines).toBe(3);
    await nextTurn();
    expect(writes).toEqual(["a\nb\nc\n"]);
    lines.write("d\n");
    await nextTurn();
    expect(writes).toEqual(["a\nb\nc\n", "d\n"]);
    await nextTurn();
    expect(writes).toHaveLength(2);
  });

  it("writes what is pending at once on flush (the process's exit), and nothing when nothing is pending", async () => {
    const writes: string[] = [];
    const lines = new TurnBatchedLines({ write: (c: string) => writes.push(c) });
    lines.flush();
    expect(writes).toEqual([]);
    lines.write("last words\n");
    lines.flush();
    expect(writes).toEqual(["last words\n"]);
    await nextTurn();
    expect(writes).toEqual(["last words\n"]);
  });
});
