// What core's benches feed it: carrier-style rows (account 100000+i at example.com, its own password and binding
// address), a deterministic random source, and the registrar's replies (401 with qop=auth, then 200) to a record's
// request. Shared by refresh-alloc, registration-cpu, idle-memory and row-load.

/** A deterministic stand-in for the engine's random bytes (an LCG from `seed`): runs are repeatable. */
export function seededRandom(seed) {
  let s = seed;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      out[i] = s >>> 24;
    }
    return out;
  };
}

/** A fresh flat copy of `s`, as a database driver hands over each column of each row (no shared literals). */
export const fresh = (s) => Buffer.from(s, "latin1").toString("latin1");

/** A distinct IPv4 address per i. */
export const ip = (i) => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;

/** Row i; `text` makes each column's string (identity by default, {@link fresh} as a driver would). */
export function carrierRow(i, text = (s) => s) {
  return {
    id: i + 1,
    registrar: text("sip:registrar.example.com"),
    proxy: null,
    aor: text(`sip:${100000 + i}@example.com`),
    third_party_registrant: null,
    username: text(`${100000 + i}`),
    password: text(`pw-${(i * 2654435761) >>> 0}`),
    binding_URI: text(`sip:${100000 + i}@${ip(i)}:5060`),
    binding_params: null,
    expiry: 3600,
    forced_socket: null,
    cluster_shtag: null,
    state: 0,
  };
}

/**
 * The registrar's replies to record `r`'s request, as the datagram's bytes the transport hands the parser: a 401
 * with a nonce of its own per i (`algorithm`, qop=auth, opaque) and a 200 listing the binding, from `server`.
 */
export function registrarReplies({ algorithm = "MD5", server = "registrar" } = {}) {
  const head = (r, cseq) =>
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;received=10.0.0.1;rport=5060\r\n" +
    `From: <${r.config.aor}>;tag=${r.fromTag}\r\nTo: <${r.config.aor}>;tag=37GkEhwl6\r\n` +
    `Call-ID: ${r.callId}\r\nCSeq: ${cseq} REGISTER\r\n`;
  const bytes = (text) => Buffer.from(text, "latin1");
  return {
    challenge: (r, i) =>
      bytes(
        `SIP/2.0 401 Unauthorized\r\n${head(r, r.cseq)}WWW-Authenticate: Digest realm="example.com", ` +
          `nonce="${(i * 40503) >>> 0}a7f3e9c1d2b4f6a8${i}", opaque="5ccc069c403ebaf9f0171e9517f40e41", ` +
          `algorithm=${algorithm}, qop="auth"\r\nServer: ${server}\r\nContent-Length: 0\r\n\r\n`,
      ),
    ok: (r, cseq) =>
      bytes(
        `SIP/2.0 200 OK\r\n${head(r, cseq)}Contact: <${r.config.binding}>;expires=3600\r\n` +
          `Server: ${server}\r\nContent-Length: 0\r\n\r\n`,
      ),
  };
}
