import { describe, expect, it } from "vitest";
import { pendingRequest } from "./registrant-record.js";
import type { RequestForm } from "./register-request.js";

describe("the request in flight (what replies are matched against and the retry bounds count)", () => {
  it("keeps every field as given, for each form, flag and counter", () => {
    for (const form of ["register", "unregister", "wildcard"] as RequestForm[]) {
      for (const [authenticated, staleAnswered] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        for (const [intervalResends, challengeAnswers] of [
          [0, 0],
          [2, 3],
          [1, 0],
          [0, 255],
        ] as const) {
          const p = pendingRequest(
            "call",
            7,
            form,
            authenticated,
            staleAnswered,
            3600,
            intervalResends,
            challengeAnswers,
          );
          const fields = {
            callId: "call",
            cseq: 7,
            form,
            authenticated,
            staleAnswered,
            expires: 3600,
            intervalResends,
            challengeAnswers,
          };
          expect({
            callId: p.callId,
            cseq: p.cseq,
            form: p.form,
            authenticated: p.authenticated,
            staleAnswered: p.staleAnswered,
            expires: p.expires,
            intervalResends: p.intervalResends,
            challengeAnswers: p.challengeAnswers,
          }).toEqual(fields);
          expect(JSON.parse(JSON.stringify(p))).toEqual(fields);
        }
      }
    }
  });
});
