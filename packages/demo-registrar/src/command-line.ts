import { parseArgs } from "node:util";
import type { DemoRegistrarOptions } from "./demo-registrar.js";

/** A bad command line; the message says which flag and why (never echoing a password). */
export class DemoRegistrarUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DemoRegistrarUsageError";
  }
}

export interface DemoRegistrarArgs {
  options: DemoRegistrarOptions;
  /** `--register-log <file.jsonl>`: where main writes every REGISTER and its answer (one JSON object a line). */
  registerLogFile?: string;
  quiet: boolean;
  help: boolean;
}

export const USAGE = `usage: uacreg-demo-registrar [--host 127.0.0.1] [--port 5060] --user name:password [--user …]
                             [--realm uacreg.demo] [--min-expires 60] [--max-expires 3600] [--forbid-wrong] [--quiet]
                             [--register-log file.jsonl] [--out-of-order-status 500|400] [--rcvbuf bytes]

A loopback SIP registrar over UDP with Digest authentication (MD5, qop=auth), bindings in memory.
  --user name:password   an account (repeatable); the password is everything after the first ':'
  --forbid-wrong         answer wrong credentials with 403 instead of a new 401 challenge
  --quiet                do not log registrations
  --register-log FILE    write every REGISTER received and the answer sent as JSON lines (at, source, aor, contacts,
                         callId, cseq, status, changed, retransmission)
  --out-of-order-status  the answer to a same Call-ID with a CSeq not higher (RFC 3261 §10.3 step 7): 500 (default)
                         or 400 (Kamailio's)
  --rcvbuf BYTES         the UDP socket's receive buffer (SO_RCVBUF), to model a registrar that drops bursts`;

function integer(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new DemoRegistrarUsageError(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** Parses the command line of the `uacreg-demo-registrar` bin. */
export function parseDemoRegistrarArgs(argv: readonly string[]): DemoRegistrarArgs {
  const spec = {
    host: { type: "string" },
    port: { type: "string" },
    user: { type: "string", multiple: true },
    realm: { type: "string" },
    "min-expires": { type: "string" },
    "max-expires": { type: "string" },
    "forbid-wrong": { type: "boolean" },
    quiet: { type: "boolean" },
    "register-log": { type: "string" },
    "out-of-order-status": { type: "string" },
    rcvbuf: { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  const parse = () => {
    try {
      return parseArgs({ args: [...argv], options: spec, allowPositionals: false, strict: true });
    } catch (err) {
      throw new DemoRegistrarUsageError((err as Error).message);
    }
  };
  const v = parse().values;
  const users: Record<string, string> = {};
  for (const entry of v.user ?? []) {
    const colon = entry.indexOf(":");
    if (colon <= 0) throw new DemoRegistrarUsageError("--user must be name:password");
    users[entry.slice(0, colon)] = entry.slice(colon + 1);
  }
  if (!v.help && Object.keys(users).length === 0) throw new DemoRegistrarUsageError("at least one --user is needed");
  const minExpires = integer("min-expires", v["min-expires"], 60, 1);
  const outOfOrder = v["out-of-order-status"];
  if (outOfOrder !== undefined && outOfOrder !== "400" && outOfOrder !== "500") {
    throw new DemoRegistrarUsageError(`--out-of-order-status must be 400 or 500, got ${JSON.stringify(outOfOrder)}`);
  }
  if (v["register-log"] === "") throw new DemoRegistrarUsageError("--register-log needs a file name");
  return {
    options: {
      host: v.host ?? "127.0.0.1",
      port: integer("port", v.port, 5060, 0),
      users,
      realm: v.realm ?? "uacreg.demo",
      minExpires,
      maxExpires: integer("max-expires", v["max-expires"], Math.max(3600, minExpires), minExpires),
      ...(v["forbid-wrong"] ? { wrongCredentialsStatus: 403 as const } : {}),
      ...(outOfOrder === "400" ? { outOfOrderStatus: 400 as const } : {}),
      ...(v.rcvbuf !== undefined ? { recvBufferSize: integer("rcvbuf", v.rcvbuf, 0, 1) } : {}),
    },
    ...(v["register-log"] !== undefined ? { registerLogFile: v["register-log"] } : {}),
    quiet: v.quiet ?? false,
    help: v.help ?? false,
  };
}
