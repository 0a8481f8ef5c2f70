import type { RegistrantKey, RegistrantRow } from "@uacreg/core";

/** A row registering `user` at `registrar` with password `secret` (the scripted registrars' account). */
export function row(registrar: { uri: string }, user: string, extra: Partial<RegistrantRow> = {}): RegistrantRow {
  return {
    registrar: registrar.uri,
    proxy: null,
    aor: `sip:${user}@reg.test`,
    third_party_registrant: null,
    username: user,
    password: "secret",
    binding_URI: `sip:${user}@127.0.0.1:5099`,
    binding_params: null,
    expiry: 60,
    forced_socket: null,
    cluster_shtag: null,
    state: 0,
    ...extra,
  };
}

/** The key of {@link row}'s record for `user` at `registrar`. */
export function keyOf(registrar: { uri: string }, user: string): RegistrantKey {
  return { aor: `sip:${user}@reg.test`, contact: `sip:${user}@127.0.0.1:5099`, registrar: registrar.uri };
}
