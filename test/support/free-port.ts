import { createServer } from "node:net";
import { createSocket } from "node:dgram";

/** A port that is free for both UDP and TCP on the given loopback address, picked by the OS. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once("error", reject);
      srv.listen(0, host, () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = createSocket(host.includes(":") ? "udp6" : "udp4");
      s.once("error", () => resolve(false));
      s.bind(port, host, () => s.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}
