import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { resolveConfig } from "./resolve-config.js";

const bad = (doc: unknown) => {
  try {
    resolveConfig(doc, "/var/lib/uacreg");
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("accepted");
};

describe("the daemon configuration", () => {
  it("runs on the embedded defaults when there is no config at all", () => {
    const c = resolveConfig(undefined, "/var/lib/uacreg");
    expect(c.listen).toEqual(["udp:127.0.0.1:5060"]);
    expect(c.db_url).toBe("sqlite:///var/lib/uacreg/registrant.db");
    expect(c.registrant).toMatchObject({
      hash_size: 1,
      timer_interval: 100,
      failure_retry_interval: 0,
      reregister_expiry_percentage: 100,
      default_expires: 3600,
      enable_clustering: false,
      table_name: "registrant",
      preemptive_auth: true,
      unregister_on_shutdown: false,
    });
    expect(c.registrant.columns.binding_URI).toBe("binding_URI");
    expect(c.tm).toEqual({ fr_timeout: 30, T1_timer: 500, T2_timer: 4000 });
    expect(c.mi.http).toEqual({
      listen: "127.0.0.1:8888",
      root: "mi",
      max_body: 65536,
      max_connections: 256,
      idle_timeout_ms: 5000,
      request_timeout_ms: 10_000,
      write_timeout_ms: 10_000,
    });
    expect(c.mi.fifo).toEqual({ path: "/tmp/uacreg_fifo", reply_dir: "/tmp/", mode: 0o660, write_timeout_ms: 10_000 });
    expect(c.metrics).toEqual({ listen: "127.0.0.1:9464", per_record: { enabled: false, max_records: 10_000 } });
  });

  it("takes the OpenSIPS parameter names, column overrides included", () => {
    const c = resolveConfig(
      {
        listen: ["udp:127.0.0.1:5070", "tcp:[::1]:5070"],
        db_url: "postgres://u:p@127.0.0.1/opensips",
        registrant: { hash_size: 4, timer_interval: 32, aor_column: "to_uri", table_name: "regs" },
        tm: { fr_timeout: 10 },
        mi: { http: null, fifo: { path: "/run/uacreg/fifo", mode: "0600" } },
        metrics: null,
      },
      "/d",
    );
    expect(c.listen).toEqual(["udp:127.0.0.1:5070", "tcp:[::1]:5070"]);
    expect(c.registrant.columns.aor).toBe("to_uri");
    expect(c.registrant.table_name).toBe("regs");
    expect(c.mi.http).toBeNull();
    expect(c.mi.fifo?.mode).toBe(0o600);
    expect(c.metrics).toBeNull();
  });

  it("takes a TLS listen socket that has its certificate and key", () => {
    const c = resolveConfig(
      { listen: ["tls:127.0.0.1:5061"], tls: { "tls:127.0.0.1:5061": { cert: "/c.pem", key: "/k.pem" } } },
      "/d",
    );
    expect(c.listen).toEqual(["tls:127.0.0.1:5061"]);
    expect(c.tls["tls:127.0.0.1:5061"]).toMatchObject({ cert: "/c.pem", key: "/k.pem", verify: true });
  });

  it("takes MI and metrics listen addresses with an IPv6 address in brackets", () => {
    const c = resolveConfig({ mi: { http: { listen: "[::1]:8889" } }, metrics: { listen: "[::]:9465" } }, "/d");
    expect(c.mi.http?.listen).toBe("[::1]:8889");
    expect(c.metrics?.listen).toBe("[::]:9465");
  });

  it("keeps the active sharing tags in the name/cluster_id form the engine takes", () => {
    expect(resolveConfig({ clustering: { active_tags: ["vip/1", " edge / 2 "] } }, "/d").cluster.active_tags).toEqual([
      "vip/1",
      "edge/2",
    ]);
  });

  it("stops on an unknown key and names it", () => {
    const e = bad({ registrant: { hash_sise: 2 } });
    expect(e.key).toBe("registrant.hash_sise");
    expect(e.message).toContain("registrant.hash_sise");
  });

  it("stops on a wrong type, naming the key and the value", () => {
    const e = bad({ registrant: { timer_interval: "soon" } });
    expect(e.message).toBe('config: registrant.timer_interval: must be an integer (got "soon")');
  });

  it("stops on a db_url that cannot be parsed, naming it with the password masked", () => {
    const e = bad({ db_url: "mysql://opensips:S3cretPw@db.example" });
    expect(e.key).toBe("db_url");
    expect(e.message).toBe(
      'config: db_url: no database name (expected …/database) (got "mysql://opensips:***@db.example")',
    );
    expect(bad({ db_url: "foo://x" }).message).toMatch(
      /^config: db_url: unsupported scheme "foo" .*\(got "foo:\/\/x"\)$/,
    );
  });

  it("words a hash_size / timer_interval refusal as the scheduler does", () => {
    expect(bad({ registrant: { hash_size: 5, timer_interval: 20 } }).message).toBe(
      "config: registrant.timer_interval: MUST be at least as big as the number of buckets (2^hash_size = 32) (got 20)",
    );
  });

  it("refuses a table or column name that is not a plain SQL identifier, naming the parameter", () => {
    const e = bad({ registrant: { aor_column: "to uri" } });
    expect(e.key).toBe("registrant.aor_column");
    expect(e.value).toBe("to uri");
    expect(bad({ registrant: { table_name: "regs;drop" } }).key).toBe("registrant.table_name");
  });

  it.each([
    [{ registrant: { hash_size: 0 } }, "registrant.hash_size"],
    [{ registrant: { hash_size: 21 } }, "registrant.hash_size"],
    [{ registrant: { timer_interval: 9 } }, "registrant.timer_interval"],
    [{ registrant: { hash_size: 5, timer_interval: 20 } }, "registrant.timer_interval"],
    [{ registrant: { reregister_expiry_percentage: 0 } }, "registrant.reregister_expiry_percentage"],
    [{ registrant: { reregister_expiry_percentage: 101 } }, "registrant.reregister_expiry_percentage"],
    [{ registrant: { default_expires: 14 } }, "registrant.default_expires"],
    [{ registrant: { failure_retry_interval: -1 } }, "registrant.failure_retry_interval"],
    [{ listen: ["udp:127.0.0.1"] }, "listen[0]"],
    [{ listen: ["sctp:127.0.0.1:5060"] }, "listen[0]"],
    [{ listen: ["udp:sip.example.com:5060"] }, "listen[0]"],
    [{ listen: ["udp:::1:5060"] }, "listen[0]"],
    [{ listen: ["udp:127.0.0.1:5060", "tls:127.0.0.1:5061"] }, "listen[1]"],
    [{ listen: ["tls:127.0.0.1:5061"], tls: { "tls:127.0.0.1:5061": { cert: "/c.pem" } } }, "listen[0]"],
    [{ tm: { T1_timer: 500, T2_timer: 100 } }, "tm.T2_timer"],
    [{ mi: { fifo: { mode: "rw" } } }, "mi.fifo.mode"],
    [{ mi: { http: { listen: "localhost" } } }, "mi.http.listen"],
    [{ mi: { http: { listen: "::1:8888" } } }, "mi.http.listen"],
    [{ metrics: { listen: "127.0.0.1:99999" } }, "metrics.listen"],
    [{ log: { level: "loud" } }, "log.level"],
    [{ clustering: { active_tags: ["vip"] } }, "clustering.active_tags[0]"],
    [{ clustering: { active_tags: ["vip/one"] } }, "clustering.active_tags[0]"],
  ])("refuses what OpenSIPS refuses: %j", (doc, key) => {
    expect(bad(doc).key).toBe(key);
  });
});
