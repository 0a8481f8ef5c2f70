// Digest throughput: credentials computed per second (MD5 and SHA-256, qop=auth, including formatting the header)
// and challenge parses per second. Run after a build: `pnpm --filter @uacreg/digest build && node packages/digest/bench/digest.bench.mjs`.
import { computeCredentials, formatAuthorization, parseChallenges, selectChallenge } from "@uacreg/digest";

function measure(name, fn, ms = 1000) {
  for (let i = 0; i < 2000; i++) fn(); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 200; i++) fn();
    n += 200;
    now = process.hrtime.bigint();
  }
  const perSecond = (n * 1e9) / Number(now - start);
  console.log(`${name.padEnd(58)} ${Math.round(perSecond).toLocaleString("en-US").padStart(12)} /s`);
  return perSecond;
}

const md5 = selectChallenge([
  'Digest realm="reg.test", nonce="a1nonce0000000000000000000000001", opaque="opaque-a-123", qop="auth", algorithm=MD5',
]);
const sha256 = selectChallenge([
  'Digest realm="reg.test", nonce="a1nonce0000000000000000000000001", opaque="opaque-a-123", qop="auth", algorithm=SHA-256',
]);
const request = {
  username: "alice",
  password: "secret",
  method: "REGISTER",
  uri: "sip:127.0.0.1:15101",
  nc: 1,
  cnonce: "370082935",
};

console.log(`@uacreg/digest on Node ${process.version}`);
measure("computeCredentials + formatAuthorization, MD5, qop=auth", () =>
  formatAuthorization(computeCredentials({ ...request, challenge: md5 })),
);
measure("computeCredentials + formatAuthorization, SHA-256, qop=auth", () =>
  formatAuthorization(computeCredentials({ ...request, challenge: sha256 })),
);
const captured = [
  'Digest realm="reg.test", nonce="a1nonce0000000000000000000000001", opaque="opaque-a-123", qop="auth", algorithm=MD5',
];
measure("parseChallenges, one captured WWW-Authenticate", () => parseChallenges(captured));
const rfc7616 = [
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
];
measure("parseChallenges, RFC 7616 §3.9.1 (two headers)", () => parseChallenges(rfc7616));
