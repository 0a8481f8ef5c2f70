/**
 * The one rule for tests that need a real peer on the machine (a database server, promtool, Chromium): when it is
 * missing, the test fails under `UACREG_REQUIRE_SERVERS=1` (CI sets it, so CI never skips one) and otherwise skips
 * with a loud line saying what to install (test/support/README.md).
 */
export const PEERS_REQUIRED = process.env.UACREG_REQUIRE_SERVERS === "1";

/**
 * Reports a missing peer: throws under `UACREG_REQUIRE_SERVERS=1`, else prints the loud skip line and returns false
 * (the caller skips). `what` says what is missing, `hint` how to get it.
 */
export function peerMissing(what: string, hint: string): false {
  if (PEERS_REQUIRED) throw new Error(`${what}: ${hint} (UACREG_REQUIRE_SERVERS=1)`);
  console.warn(`\n!!!!! SKIPPING: ${what}: ${hint} (set UACREG_REQUIRE_SERVERS=1 to fail) !!!!!\n`);
  return false;
}
