/**
 * Bounds on the requests a reply makes core send at once, within one registration attempt (docs/decisions.md
 * "reply-driven re-sends are bounded"). An attempt starts with a request that no reply caused (a visit, MI enable, a
 * retry after back-off); every request sent because of a reply (the 423 re-send, the answer to a 401/407, a stale
 * nonce, the FORCE_SINGLE cleanup and the REGISTER after it) belongs to the same attempt. Past a bound the reply is a
 * failure: the record goes to its failure state with the failure back-off, so no registrar can drive a loop.
 */

/** At most this many REGISTERs re-sent for a 423 (RFC 3261 §10.2.8) per attempt. */
export const MAX_INTERVAL_RESENDS = 2;

/**
 * At most this many challenges (401/407, stale or not) answered per attempt: the first one, a second realm (a proxy's
 * 407 then the registrar's 401, RFC 3261 §22.3) and one stale nonce (RFC 7616 §3.3).
 */
export const MAX_CHALLENGE_ANSWERS = 3;
