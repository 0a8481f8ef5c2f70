import { describe, expect, it } from "vitest";
import { recordFromRow, recordView } from "./registrant-record.js";
import { captureRow } from "./test-support/registrant-fixtures.js";

const CTX = { timerInterval: 10, defaultExpires: 3600 };
const random = (n: number): Uint8Array => new Uint8Array(n).fill(7);

describe("recordView: what an operator may see (docs/contracts.md, docs/web-api.md)", () => {
  it("says whether the row has a password, never the password or the username", () => {
    const withPassword = recordView(recordFromRow(captureRow({ password: "s3cret-pw" }), CTX, { random }));
    expect(withPassword.passwordSet).toBe(true);
    const text = JSON.stringify(withPassword);
    expect(text).not.toContain("s3cret-pw");

    for (const password of [null, ""]) {
      const without = recordView(recordFromRow(captureRow({ password, username: null }), CTX, { random }));
      expect(without.passwordSet).toBe(false);
    }
  });
});
