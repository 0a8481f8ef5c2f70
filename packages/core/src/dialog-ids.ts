import type { RandomBytes } from "./core-params.js";

/** A registration's Call-ID and From-tag (docs/opensips-behaviour.md §4.2). */
export interface DialogIds {
  /** 27 lowercase hex characters, no `@host` part. */
  readonly callId: string;
  /** 5 lowercase hex characters. */
  readonly fromTag: string;
}

/**
 * New Call-ID and From-tag from 16 caller-supplied random bytes: the 32 hex digits are split 27 + 5, the shape OpenSIPS
 * gets from an MD5 (§4.2). OpenSIPS seeds that MD5 with the AOR, rand() and the time; uacreg uses 128 random bits,
 * so two records of one AOR never share a Call-ID (PR 2375).
 */
export function newDialogIds(random: RandomBytes): DialogIds {
  const bytes = random(16);
  // Two flat strings from two scratch arrays of digit codes (no per-call arrays; a slice of one 32-digit string would
  // keep a slice header plus the whole parent per record).
  for (let i = 0; i < 16; i++) {
    const b = bytes[i] ?? 0;
    const hi = HEX[b >> 4] as number;
    const lo = HEX[b & 15] as number;
    const at = 2 * i;
    if (at < 27) CALL_ID[at] = hi;
    else TAG[at - 27] = hi;
    if (at + 1 < 27) CALL_ID[at + 1] = lo;
    else TAG[at + 1 - 27] = lo;
  }
  return {
    callId: String.fromCharCode.apply(null, CALL_ID),
    fromTag: String.fromCharCode.apply(null, TAG),
  };
}

/** {@link newDialogPair}'s Call-ID length: the pair's first 27 characters, the From-tag the last 5. */
export const PAIR_CALL_ID_LENGTH = 27;

/**
 * The same Call-ID and From-tag as {@link newDialogIds} would make from these bytes, as one flat 32-character string
 * (Call-ID first, {@link PAIR_CALL_ID_LENGTH} characters): what a record keeps (one string of 48 bytes instead of two
 * of 48 + 24; core README "Performance").
 */
export function newDialogPair(random: RandomBytes): string {
  const bytes = random(16);
  for (let i = 0; i < 16; i++) {
    const b = bytes[i] ?? 0;
    PAIR_CODES[2 * i] = HEX[b >> 4] as number;
    PAIR_CODES[2 * i + 1] = HEX[b & 15] as number;
  }
  return String.fromCharCode.apply(null, PAIR_CODES);
}

const HEX = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
const CALL_ID = new Array<number>(27).fill(0);
const TAG = new Array<number>(5).fill(0);
const PAIR_CODES = new Array<number>(32).fill(0);
