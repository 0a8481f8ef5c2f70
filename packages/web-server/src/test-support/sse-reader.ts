/** A Server-Sent Events client for tests over a real socket: raw frames as they arrive, parsed per WHATWG HTML §9.2. */
import { type ClientRequest, type IncomingMessage, request } from "node:http";

export interface SseFrame {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

export function parseFrames(text: string): SseFrame[] {
  return text
    .split("\n\n")
    .filter((f) => f !== "")
    .map((block) => {
      const frame: SseFrame = {};
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) frame.comment = line.slice(1).trim();
        else {
          const colon = line.indexOf(":");
          const field = line.slice(0, colon) as keyof SseFrame;
          frame[field] = line.slice(colon + 1).replace(/^ /, "");
        }
      }
      return frame;
    });
}

export class SseReader {
  text = "";
  chunks = 0;
  status = 0;
  headers: IncomingMessage["headers"] = {};
  readonly req: ClientRequest;
  res: IncomingMessage | undefined;
  #waiters: Array<() => void> = [];
  ended = false;

  constructor(port: number, headers: Record<string, string> = {}) {
    this.req = request({ host: "127.0.0.1", port, path: "/events", headers });
    this.req.on("response", (res) => {
      this.res = res;
      this.status = res.statusCode ?? 0;
      this.headers = res.headers;
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        this.text += d;
        this.chunks++;
        this.#wake();
      });
      res.on("end", () => {
        this.ended = true;
        this.#wake();
      });
      res.on("error", () => {});
      this.#wake();
    });
    this.req.on("error", () => {
      this.ended = true;
      this.#wake();
    });
    this.req.end();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  get frames(): SseFrame[] {
    // Only complete frames (a frame ends with a blank line).
    const end = this.text.lastIndexOf("\n\n");
    return end < 0 ? [] : parseFrames(this.text.slice(0, end + 2));
  }

  /** Resolves once `test` holds over the frames received (or the stream ended: then it rejects). */
  async until(test: (frames: SseFrame[]) => boolean): Promise<SseFrame[]> {
    for (;;) {
      const frames = this.frames;
      if (test(frames)) return frames;
      if (this.ended) throw new Error(`stream ended; received:\n${this.text.slice(0, 2000)}`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  close(): void {
    this.req.destroy();
  }
}
