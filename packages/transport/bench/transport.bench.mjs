// Throughput of one SipTransport over UDP against a fast local responder (a plain dgram socket in a child process
// that answers 200 to each request, echoing Via/From/To/Call-ID/CSeq). Prints requests/second and the transport
// process's CPU seconds per 1000 transactions (process.cpuUsage; the responder's CPU is not counted).
import { fork } from "node:child_process";
import dgram from "node:dgram";
import { SipTransport } from "@uacreg/transport";

if (process.argv[2] === "responder") {
  const sock = dgram.createSocket("udp4");
  const echo = /^(Via|v|From|f|To|t|Call-ID|i|CSeq):.*$/gim;
  sock.on("message", (msg, rinfo) => {
    const text = msg.toString("latin1");
    const head = text.slice(0, text.indexOf("\r\n\r\n"));
    const lines = head.match(echo) ?? [];
    const out = `SIP/2.0 200 OK\r\n${lines.join("\r\n")}\r\nContent-Length: 0\r\n\r\n`;
    sock.send(out, rinfo.port, rinfo.address);
  });
  sock.bind(0, "127.0.0.1", () => {
    sock.setRecvBufferSize(8 * 1024 * 1024);
    sock.setSendBufferSize(8 * 1024 * 1024);
    process.send?.(sock.address().port);
  });
} else {
  const child = fork(new URL(import.meta.url).pathname, ["responder"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise((resolve) => child.once("message", resolve));
  const only = process.argv[2];
  const bounds = only ? [Number(only)] : [2000, 200];
  const headers = (i) =>
    "To: <sip:alice@reg.test>\r\nFrom: <sip:alice@reg.test>;tag=a1b2c\r\n" +
    `CSeq: 1 REGISTER\r\nCall-ID: bench${i}0123456789abcdef012345\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n` +
    "User-Agent: uacreg bench\r\nContact: <sip:alice@127.0.0.1:5060>;expires=60\r\n";
  // The transport keeps no in-flight bound (the engine's admission queue is the one bound): the driver bounds its
  // own sends, starting the next one as each ends, oldest first, as that queue does.
  const run = (t, n, maxInFlight) =>
    new Promise((resolve) => {
      let next = 0;
      let done = 0;
      let ok = 0;
      const ended = (o) => {
        if (o.kind === "response" && o.response.status === 200) ok++;
        if (++done === n) resolve(ok);
        else if (next < n) start();
      };
      const start = () => {
        const i = next++;
        t.send({
          method: "REGISTER",
          requestUri: "sip:reg.test",
          headers: headers(i),
          callId: `bench${i}0123456789abcdef012345`,
          cseq: 1,
          nextHop: `sip:127.0.0.1:${port}`,
        }).then(ended);
      };
      while (next < Math.min(n, maxInFlight)) start();
    });
  for (const maxInFlight of bounds) {
    const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"] });
    await run(t, 2000, maxInFlight); // warm-up
    const N = 20000;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const ok = await run(t, N, maxInFlight);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const c = t.counters;
    console.log(`transport UDP: ${N} REGISTER transactions, maxInFlight ${maxInFlight}: ${ok} answered 200`);
    console.log(`  ${Math.round(N / wall)} transactions/s (wall ${wall.toFixed(2)} s)`);
    console.log(`  ${((cpuS / N) * 1000).toFixed(3)} CPU-s per 1000 transactions (transport process, user+system)`);
    console.log(`  retransmissions ${c.retransmissions}, timeouts ${c.timeouts}, dropped ${c.dropped}`);
    await t.close();
  }
  child.kill();
}
