import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NEVER_DUE, onVisit, visitDueAt } from "./registrant-machine.js";
import type { RegistrantState } from "./registrant-state.js";
import { reach, T0 } from "./test-support/registrant-driver.js";
import { context } from "./test-support/registrant-fixtures.js";

describe("visitDueAt: when a visit would act (docs/opensips-behaviour.md §3)", () => {
  const ctx = context();
  it("a visit before visitDueAt changes nothing; at or after it, it acts (every state, enabled or not)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<RegistrantState>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
        fc.boolean(),
        fc.integer({ min: -50, max: 400 }),
        (state, enabled, offset) => {
          const r = reach(state, ctx, {}, { enabled });
          const due = visitDueAt(r, ctx.params);
          expect(Number.isInteger(due)).toBe(true);
          const now = T0 + offset;
          const s = onVisit(r, now, ctx);
          const idle = s.record === r && s.actions.length === 0;
          expect(idle).toBe(now < due);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("is NEVER_DUE with a request in flight and for a disabled NOT_REGISTERED record", () => {
    expect(visitDueAt(reach(1, ctx), ctx.params)).toBe(NEVER_DUE);
    expect(visitDueAt(reach(9, ctx), ctx.params)).toBe(NEVER_DUE);
    expect(visitDueAt(reach(0, ctx, {}, { enabled: false }), ctx.params)).toBe(NEVER_DUE);
    expect(visitDueAt(reach(0, ctx), ctx.params)).toBe(0);
  });
});
