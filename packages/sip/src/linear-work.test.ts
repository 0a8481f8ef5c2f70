import { countWork } from "@uacreg/runtime/testing";
import { describe, expect, it } from "vitest";
import { parseUri } from "./index.js";
import { NETWORK_PARSERS } from "./test-support/network-parsers.js";

/**
 * Issue 10 item 1, deterministically: every network-facing parser is run on adversarial values of n and 8n bytes and
 * the string work it does is counted (`countWork` of @uacreg/runtime/testing), not timed. Linear parsing does about 8 times the
 * work on 8 times the input; a scan that restarts at every unit does about 64 times. The bound is 10.
 */
const UNITS = [
  "<",
  ">",
  '"',
  '\\"',
  "\\",
  ";",
  ";a",
  ";;",
  ",",
  " ",
  "\t",
  "a",
  "%",
  "%%",
  ";a=%41",
  "=",
  "[",
  "@",
  ":",
];
const LONG_PARAM = ";p=" + "v".repeat(256);

const PARSERS: Record<string, (value: string) => unknown> = {
  ...NETWORK_PARSERS,
  parseUriParams: (v) => parseUri(`sip:h;${v}`),
  parseUriHeaders: (v) => parseUri(`sip:h?${v}`),
};

const N = 2048;
const repeatTo = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length));

describe("network-facing parsers do work linear in their input (counted, not timed)", () => {
  for (const [name, parse] of Object.entries(PARSERS)) {
    it(`${name}: work on 8n bytes is at most 10 times the work on n`, () => {
      for (const unit of [...UNITS, LONG_PARAM]) {
        const small = countWork(() => parse(repeatTo(unit, N)));
        const large = countWork(() => parse(repeatTo(unit, 8 * N)));
        expect(large, `${name} on ${JSON.stringify(unit.slice(0, 8))}: ${small} → ${large}`).toBeLessThanOrEqual(
          10 * Math.max(small, N),
        );
      }
    });
  }
});
