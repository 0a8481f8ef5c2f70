/**
 * @uacreg/digest: SIP/HTTP Digest authentication client (RFC 7616, RFC 8760, RFC 2617, RFC 3261 §22).
 * Pure: hashes come from node:crypto, randomness from the caller.
 */
export {
  type AuthParam,
  parseAuthParams,
  type RawChallenge,
  type ScannedHeader,
  scanAuthenticateHeader,
} from "./authenticate-header.js";
export { type AuthenticationInfo, parseAuthenticationInfo } from "./authentication-info.js";
export { formatAuthorization, writeAuthorizationParts } from "./authorization-header.js";
export { CNONCE_BYTES, newCnonce } from "./cnonce.js";
export {
  algorithmFromToken,
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  digestHexLength,
  hashHex,
  isSessionAlgorithm,
} from "./digest-algorithm.js";
export {
  type DigestChallenge,
  type DigestQop,
  interpretChallenge,
  isAnswerable,
  parseChallenges,
  selectChallenge,
} from "./digest-challenge.js";
export {
  computeCredentials,
  computeCredentialsInto,
  type DigestCredentials,
  type DigestCredentialsInput,
  type DigestCredentialsTarget,
} from "./digest-credentials.js";
export { DigestError, type DigestErrorCode } from "./digest-error.js";
export { formatNonceCount, MAX_NONCE_COUNT, NonceCounter } from "./nonce-count.js";
