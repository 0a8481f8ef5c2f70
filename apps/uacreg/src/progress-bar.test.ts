import { describe, expect, it } from "vitest";
import { importProgress, progressLine } from "./progress-bar.js";

function capture(stderrIsTTY: boolean) {
  let err = "";
  return {
    io: { stdout: () => undefined, stderr: (t: string) => (err += t), stderrIsTTY, columns: 80 },
    err: () => err,
  };
}

describe("db import progress bar", () => {
  it("draws nothing when stderr is not a terminal, but still passes notes through", () => {
    const c = capture(false);
    let t = 0;
    const p = importProgress(c.io, 1000, () => (t += 200));
    p.update(500, 10);
    p.note("rows.csv:3: skipped: …\n");
    p.done();
    expect(c.err()).toBe("rows.csv:3: skipped: …\n");
  });

  it("redraws in place on a terminal, at most every 100 ms, and clears itself before notes and at the end", () => {
    const c = capture(true);
    let t = 0;
    const p = importProgress(c.io, 1000, () => t);
    t = 1000;
    p.update(500, 5000);
    t = 1050;
    p.update(600, 6000); // within 100 ms: not drawn
    p.note("x\n");
    p.done();
    const out = c.err();
    expect(out).toContain("\r[####################....................]  50%  5,000 rows  5,000 rows/s\u001b[K");
    // The update 50 ms later was not drawn: one bar before the note, then the bar redrawn after it.
    expect(out.slice(0, out.indexOf("x\n")).match(/\r\[/g)).toHaveLength(1);
    expect(out.slice(out.indexOf("x\n"))).toContain("6,000 rows");
    expect(out).toContain("\r\u001b[Kx\n");
    expect(out.endsWith("\r\u001b[K")).toBe(true);
  });

  it("fits the terminal width", () => {
    expect(progressLine(1, 50000, 12000, 60).length).toBeLessThanOrEqual(60);
    expect(progressLine(0.25, 1, 1, 200)).toMatch(/^\[#{10}\.{30}\] {2}25%/);
  });
});
