// The benchmark's generated accounts (issue 14): one source for the registrar's subscriber table, the clients' tables
// (lib.mjs) and the minimal Node client (node-floor.mjs), which must not load lib.mjs's database modules at its start.

/** The registrar's domain: the accounts' AOR host and the digest realm (Kamailio's `$td`). */
export const DOMAIN = "reg.test";
/** Account i: user u<i>, its own password (not a secret: generated test data). */
export const account = (i) => ({ user: `u${i}`, password: `pw${i}-${((i * 2654435761) >>> 0).toString(36)}` });
