import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  computeCredentials,
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  type DigestQop,
  isSessionAlgorithm,
  selectChallenge,
} from "../src/index.js";

/** H() computed by an independent implementation: the openssl command line. */
function openssl(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  const flag = algorithm.startsWith("MD5") ? "-md5" : algorithm.startsWith("SHA-256") ? "-sha256" : "-sha512-256";
  const out = execFileSync("openssl", ["dgst", flag, "-r"], { input: data }).toString("latin1");
  const hex = out.split(" ")[0] ?? "";
  expect(hex).toMatch(/^[0-9a-f]{32,64}$/);
  return hex;
}

const username = "alice\u00e9"; // non-ASCII: both sides must hash the UTF-8 bytes
const password = "p\u00e4ss:word";
const realm = "reg.test";
const nonce = "Nz/8u+c=";
const cnonce = "0a1b2c3d4e5f";
const method = "REGISTER";
const uri = "sip:reg.test;transport=tcp";
const body = new TextEncoder().encode("<xml>body</xml>\r\n");

describe("responses agree with openssl dgst (an independent hash implementation)", () => {
  for (const algorithm of DIGEST_ALGORITHMS) {
    const modes: Array<DigestQop | undefined> = isSessionAlgorithm(algorithm)
      ? ["auth", "auth-int"]
      : [undefined, "auth", "auth-int"];
    for (const qop of modes) {
      it(`${algorithm} with ${qop ?? "no qop (RFC 2069)"}`, () => {
        const qopParam = qop === undefined ? "" : `, qop="${qop}"`;
        const challenge = selectChallenge([
          `Digest realm="${realm}", nonce="${nonce}", algorithm=${algorithm}${qopParam}`,
        ]);
        const ours = computeCredentials({ challenge, username, password, method, uri, nc: 7, cnonce, body });

        let ha1 = openssl(algorithm, `${username}:${realm}:${password}`);
        if (isSessionAlgorithm(algorithm)) ha1 = openssl(algorithm, `${ha1}:${nonce}:${cnonce}`);
        const ha2 =
          qop === "auth-int"
            ? openssl(algorithm, `${method}:${uri}:${openssl(algorithm, body)}`)
            : openssl(algorithm, `${method}:${uri}`);
        const expected =
          qop === undefined
            ? openssl(algorithm, `${ha1}:${nonce}:${ha2}`)
            : openssl(algorithm, `${ha1}:${nonce}:00000007:${cnonce}:${qop}:${ha2}`);
        expect(ours.response).toBe(expected);
      });
    }
  }

  it("SHA-512-256 userhash agrees with openssl", () => {
    const challenge = selectChallenge([
      `Digest realm="${realm}", nonce="${nonce}", algorithm=SHA-512-256, qop=auth, userhash=true`,
    ]);
    const ours = computeCredentials({ challenge, username, password, method, uri, nc: 1, cnonce });
    expect(ours.username).toBe(openssl("SHA-512-256", `${username}:${realm}`));
  });
});
