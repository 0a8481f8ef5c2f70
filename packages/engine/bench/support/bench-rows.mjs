// The engine benches' rows: account i of N (`sip:user<i>@bench.test`, its own binding on 127.0.0.1:5099, password
// "secret", expiry 3600) registering with `registrar`. `text` makes each column's string (e.g. a fresh flat copy per
// row, as a database driver hands them over); identity by default.
export function benchRow(i, registrar, text = (s) => s) {
  return {
    registrar: text(registrar),
    proxy: null,
    aor: text(`sip:user${i}@bench.test`),
    third_party_registrant: null,
    username: text(`user${i}`),
    password: text("secret"),
    binding_URI: text(`sip:user${i}@127.0.0.1:5099`),
    binding_params: null,
    expiry: 3600,
    forced_socket: null,
    cluster_shtag: null,
    state: 0,
  };
}
