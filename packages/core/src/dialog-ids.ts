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
  const codes = new Array<number>(32);
  for (let i = 0; i < 16; i++) {
    const b = bytes[i] ?? 0;
    codes[2 * i] = HEX[b >> 4] as number;
    codes[2 * i + 1] = HEX[b & 15] as number;
  }
  // Two flat strings (a slice of one 32-digit string would keep a slice header plus the whole parent per record).
  return {
    callId: String.fromCharCode.apply(null, codes.slice(0, 27)),
    fromTag: String.fromCharCode.apply(null, codes.slice(27)),
  };
}

const HEX = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
