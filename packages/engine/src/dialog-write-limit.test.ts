import { describe, expect, it } from "vitest";
import { LimitedDialogMarks } from "./dialog-write-limit.js";
import type { DialogMark, DialogMarkStore } from "./record-ownership.js";

/** A store whose statements wait until the test answers them. */
class HeldStore implements DialogMarkStore {
  running = 0;
  maxRunning = 0;
  readonly answers: Array<() => void> = [];
  readonly order: string[] = [];
  async reserveUnit(unit: string): Promise<readonly DialogMark[] | undefined> {
    await this.#hold(`reserve ${unit}`);
    return [];
  }
  async saveDialog(_unit: string, _epoch: number, mark: DialogMark): Promise<boolean> {
    await this.#hold(`save ${mark.callId}`);
    return true;
  }
  async #hold(name: string): Promise<void> {
    this.order.push(name);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise<void>((r) => this.answers.push(r));
    this.running--;
  }
}

const mark = (i: number): DialogMark => ({
  key: { aor: `sip:u${i}@x`, contact: "sip:c@h", registrar: "sip:r" },
  callId: `c${i}`,
  fromTag: "t",
  cseqMark: 100,
});
const flush = () => new Promise<void>((r) => setImmediate(r));

describe("LimitedDialogMarks", () => {
  it("runs at most `limit` statements at once, the others in arrival order, and passes every answer through", async () => {
    const store = new HeldStore();
    const limited = new LimitedDialogMarks(store, 2);
    const calls = [
      limited.reserveUnit("bucket:1", 1, 100),
      ...[0, 1, 2, 3, 4].map((i) => limited.saveDialog("bucket:1", 1, mark(i))),
    ];
    await flush();
    expect(store.running).toBe(2);
    expect(limited.waiting).toBe(4);
    while (store.answers.length > 0) {
      store.answers.shift()?.();
      await flush();
    }
    expect(await Promise.all(calls)).toEqual([[], true, true, true, true, true]);
    expect(store.maxRunning).toBe(2);
    expect(store.order).toEqual(["reserve bucket:1", "save c0", "save c1", "save c2", "save c3", "save c4"]);
  });

  it("a failed statement frees its slot", async () => {
    const failing: DialogMarkStore = {
      reserveUnit: async () => {
        throw new Error("database down");
      },
      saveDialog: async () => true,
    };
    const limited = new LimitedDialogMarks(failing, 1);
    await expect(limited.reserveUnit("u", 1, 100)).rejects.toThrow("database down");
    expect(await limited.saveDialog("u", 1, mark(1))).toBe(true);
  });
});
