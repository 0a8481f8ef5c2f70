/**
 * The registrar's REGISTER log: one entry per REGISTER received and the final answer sent to it, so a test can prove
 * from the registrar's side who refreshed which binding, and when (docs/cluster.md §1 "No double registration", §3.7
 * failover time, §4 the Call-ID/CSeq rule of RFC 3261 §10.3 step 7).
 */
import { createWriteStream, type WriteStream } from "node:fs";

/** One Contact of a logged REGISTER. */
export interface RegisterLogContact {
  /** The Contact URI as the UA sent it. */
  uri: string;
  /** The expiry the request asked for this contact (its `expires` parameter, else the Expires header), in seconds;
   * null when it asked none. */
  expires: number | null;
}

/** One REGISTER the registrar received, with the answer it sent. */
export interface RegisterLogEntry {
  /** When it was received: the registrar clock's wall time (`Clock.wallNow()`), epoch milliseconds, so entries
   * compare with instants taken in other processes on the same machine (a kill time). */
  at: number;
  /** Source `address:port` of the datagram (the sending node's socket). */
  source: string;
  transport: "udp";
  /** The AOR as `sip:user@host` (To URI without port or parameters, host lower-cased); "" when To is not a SIP URI. */
  aor: string;
  /** The Contacts of the request (empty for a query, or when Contact did not parse). */
  contacts: RegisterLogContact[];
  /** `Contact: *`. */
  wildcard: boolean;
  callId: string;
  cseq: number;
  /** Final status code sent (200, 401, 400/500 for a CSeq out of order, 423, 403 …). */
  status: number;
  /** Whether this request added, refreshed or removed a binding. A 200 to a query changes nothing. */
  changed: boolean;
  /** Answered from the transaction cache (RFC 3261 §17.2.2): not processed again, so never `changed`. */
  retransmission: boolean;
}

/** Writes register log entries as JSON lines, batched once per turn of the event loop. */
export interface RegisterLogFile {
  /** Queues one entry; written at the end of the current turn. */
  write(entry: RegisterLogEntry): void;
  /** Writes what is queued and closes the file. */
  close(): Promise<void>;
}

/** Opens (truncates) a JSON-lines file for {@link RegisterLogEntry}s: tens of thousands of REGISTERs a second are
 * one write per event-loop turn, not one per request. */
export function openRegisterLogFile(path: string): RegisterLogFile {
  const stream: WriteStream = createWriteStream(path, { flags: "w" });
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    stream.write(pending.join(""));
    pending = [];
  };
  return {
    write(entry) {
      pending.push(`${JSON.stringify(entry)}\n`);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    close() {
      flush();
      return new Promise<void>((resolve, reject) => {
        stream.once("error", reject);
        stream.end(() => resolve());
      });
    },
  };
}

/** Reads JSON lines written by {@link openRegisterLogFile}; a torn last line (the file is still being written) is
 * left out. */
export function parseRegisterLog(text: string): RegisterLogEntry[] {
  const out: RegisterLogEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as RegisterLogEntry);
    } catch {
      // a line cut by a concurrent write
    }
  }
  return out;
}
