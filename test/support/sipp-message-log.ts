import { readFileSync } from "node:fs";

/** One SIP datagram as SIPp logged it with `-trace_msg` (its `-message_file`). */
export interface SippLoggedMessage {
  /** Wall-clock time SIPp stamped on the entry, in epoch milliseconds (microsecond part kept as a fraction). */
  time: number;
  /** "received" = sent by the peer to SIPp; "sent" = SIPp's own message. */
  direction: "received" | "sent";
  /** True for a datagram SIPp received for a call it had already finished ("Dead call … received"). */
  deadCall: boolean;
  /** The message with CRLF line ends (SIPp logs LF). */
  text: string;
  /** "REGISTER sip:… SIP/2.0" or "SIP/2.0 200 OK". */
  startLine: string;
  /** The request method, or undefined for a response. */
  method?: string;
  /** The response status, or undefined for a request. */
  status?: number;
  /** The first value of a header (case-insensitive name, compact forms not expanded), or undefined. */
  header(name: string): string | undefined;
  /** Every value of a header, in order. */
  headers(name: string): string[];
}

const SEPARATOR = /^-{47}(?: (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?))?\s*$/;

/**
 * Parses SIPp's message log. SIPp stamps entries in local time; the harness runs SIPp with TZ=UTC, so the stamps are
 * read as UTC. A "Dead call" entry carries no stamp of its own and gets the previous entry's time.
 */
export function parseSippMessageLog(log: string): SippLoggedMessage[] {
  const lines = log.split(/\r?\n/);
  const out: SippLoggedMessage[] = [];
  let time = 0;
  let i = 0;
  while (i < lines.length) {
    const sep = SEPARATOR.exec(lines[i] ?? "");
    if (!sep) {
      i++;
      continue;
    }
    if (sep[1] && sep[2]) time = Date.parse(`${sep[1]}T${sep[2].slice(0, 12)}Z`) + microFraction(sep[2]);
    i++;
    const head = lines[i] ?? "";
    let direction: "received" | "sent" | undefined;
    let deadCall = false;
    if (/message received/i.test(head)) direction = "received";
    else if (/message sent/i.test(head)) direction = "sent";
    else if (/^Dead call .* received/i.test(head)) {
      direction = "received";
      deadCall = true;
    }
    if (!direction) continue;
    i++;
    // Skip the blank line(s) after the header line, then take lines until the next separator.
    while (i < lines.length && (lines[i] ?? "") === "") i++;
    const body: string[] = [];
    while (i < lines.length && !SEPARATOR.test(lines[i] ?? "")) body.push(lines[i++] ?? "");
    while (body.length > 0 && body[body.length - 1] === "") body.pop();
    if (body.length === 0) continue;
    out.push(makeMessage(time, direction, deadCall, body));
  }
  return out;
}

/** Reads and parses a SIPp message log; a missing file is an empty log. */
export function readSippMessageLog(path: string): SippLoggedMessage[] {
  try {
    return parseSippMessageLog(readFileSync(path, "latin1"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

function microFraction(clock: string): number {
  const frac = clock.split(".")[1] ?? "";
  return frac.length > 3 ? Number(`0.${frac.slice(3)}`) : 0;
}

function makeMessage(
  time: number,
  direction: "received" | "sent",
  deadCall: boolean,
  body: string[],
): SippLoggedMessage {
  const startLine = body[0] ?? "";
  const headerLines: Array<[string, string]> = [];
  for (const line of body.slice(1)) {
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon > 0) headerLines.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  const statusMatch = /^SIP\/2\.0 (\d{3})/.exec(startLine);
  const methodMatch = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(startLine);
  const headers = (name: string): string[] => headerLines.filter(([n]) => n === name.toLowerCase()).map(([, v]) => v);
  return {
    time,
    direction,
    deadCall,
    text: `${body.join("\r\n")}\r\n${body.includes("") ? "" : "\r\n"}`,
    startLine,
    ...(methodMatch?.[1] ? { method: methodMatch[1] } : {}),
    ...(statusMatch?.[1] ? { status: Number(statusMatch[1]) } : {}),
    header: (name) => headers(name)[0],
    headers,
  };
}
