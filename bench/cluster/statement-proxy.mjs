// TCP proxies between each node and the database that count the statements a node sends (item 4 of
// bench/cluster/README.md): PostgreSQL frontend messages Query ('Q') and Execute ('E'), MariaDB/MySQL packets
// COM_QUERY (0x03) and COM_STMT_EXECUTE (0x17) at sequence id 0. Runs as its own process (forked with IPC), so the
// benchmark's own work never delays a node's database calls. Messages: {open:[{name, engine, host, port}]} →
// {ports:{name:port}}; {counts:true} → {counts:{name:n}}.
import { createConnection, createServer } from "node:net";

const counts = {};

/** A parser of one client→server byte stream that calls `count()` once per statement. */
function statementCounter(engine, count) {
  let buf = Buffer.alloc(0);
  let startup = engine === "postgres"; // PostgreSQL: the first messages (SSLRequest, StartupMessage) have no type byte
  return (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    for (;;) {
      if (engine === "postgres") {
        if (startup) {
          if (buf.length < 8) return;
          const len = buf.readInt32BE(0);
          if (buf.length < len) return;
          if (buf.readInt32BE(4) !== 80877103) startup = false; // not an SSLRequest: the StartupMessage
          buf = buf.subarray(len);
          continue;
        }
        if (buf.length < 5) return;
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) return;
        const type = String.fromCharCode(buf[0]);
        if (type === "Q" || type === "E") count();
        buf = buf.subarray(1 + len);
      } else {
        if (buf.length < 4) return;
        const len = buf.readUIntLE(0, 3);
        if (buf.length < 4 + len) return;
        if (buf[3] === 0 && len > 0 && (buf[4] === 0x03 || buf[4] === 0x17)) count();
        buf = buf.subarray(4 + len);
      }
    }
  };
}

function open({ name, engine, host, port }) {
  counts[name] = 0;
  const server = createServer((client) => {
    const upstream = createConnection({ host, port });
    const parse = statementCounter(engine, () => {
      counts[name]++;
    });
    client.on("data", (c) => {
      parse(c);
      upstream.write(c);
    });
    upstream.on("data", (c) => client.write(c));
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
  });
  return new Promise((res) => server.listen(0, "127.0.0.1", () => res(server.address().port)));
}

process.on("message", async (m) => {
  if (m.open) {
    const ports = {};
    for (const spec of m.open) ports[spec.name] = await open(spec);
    process.send({ ports });
  } else if (m.counts) process.send({ counts: { ...counts } });
});
process.on("disconnect", () => process.exit(0));
