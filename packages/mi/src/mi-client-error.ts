/**
 * What an MI client can fail with (docs/mi-protocol.md §6). {@link MiReplyError} is the server's JSON-RPC error reply;
 * every other class means the MI could not be reached or its reply could not be read.
 */

/** The base of every client failure. */
export class MiClientError extends Error {
  override readonly name: string = "MiClientError";
}

/** Nobody listens: HTTP connection refused, the server FIFO missing or without a reader. */
export class MiConnectionRefusedError extends MiClientError {
  override readonly name: string = "MiConnectionRefusedError";
}

/** No reply within the client's timeout. */
export class MiTimeoutError extends MiClientError {
  override readonly name: string = "MiTimeoutError";
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number) {
    super(message);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The server never opened the reply FIFO within the timeout: it dropped the request, most often because the reply
 * FIFO was made outside its `reply_dir` (docs/mi-protocol.md §4).
 */
export class MiReplyFifoTimeoutError extends MiTimeoutError {
  override readonly name: string = "MiReplyFifoTimeoutError";
  readonly replyPath: string;

  constructor(replyPath: string, replyDir: string, timeoutMs: number) {
    super(
      `no reply on ${replyPath} within ${timeoutMs} ms (the reply FIFO must be in the daemon's reply_dir; ours is ${replyDir})`,
      timeoutMs,
    );
    this.replyPath = replyPath;
  }
}

/** An HTTP status other than 200 (a reply) or 202 (a notification), e.g. 400 for a wrong `root`. */
export class MiHttpStatusError extends MiClientError {
  override readonly name: string = "MiHttpStatusError";
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** The server answered nothing: an empty FIFO reply or HTTP 202 to a request that expected a result. */
export class MiEmptyReplyError extends MiClientError {
  override readonly name: string = "MiEmptyReplyError";
}

/** The reply is not a JSON-RPC object (not JSON, or a JSON value that is not an object). */
export class MiBadReplyError extends MiClientError {
  override readonly name: string = "MiBadReplyError";
  /** The reply as received. */
  readonly text: string;

  constructor(text: string) {
    super(`could not decode the reply as JSON: ${JSON.stringify(text.slice(0, 200))}`);
    this.text = text;
  }
}

/** The server's JSON-RPC error reply: `code` (negative for the MI core, positive for a command), `message`, `data`. */
export class MiReplyError extends MiClientError {
  override readonly name: string = "MiReplyError";
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}
