/**
 * Every error an MI client can see, mapped to the exact OpenSIPS JSON-RPC codes, messages and `data` strings
 * (docs/mi-protocol.md §3). This is the one place where the mapping lives: the rest of the package and the daemon's
 * command handlers only throw {@link MiError}.
 */
/** The `data` strings of -32602 / -32000 replies, byte for byte as OpenSIPS prints them (docs/mi-protocol.md §2, §3). */
export const MiErrorData = {
  tooFewOrTooMany: "Too few or too many parameters",
  namedDoNotMatch: "Named parameters do not match",
  ambiguousCall: "Ambiguous call, use named parameters instead",
  namedOnly: "Command only supports named parameters",
  handlerReturnedNull: "Command handler returned null",
  failedToHandleParameter: "Failed to handle parameter",
} as const;

/**
 * A JSON-RPC error reply of the MI. `code` is the JSON-RPC error code (negative for the core's errors, positive for
 * command errors such as `404 No such registrant`), `data` is omitted from the reply when undefined.
 */
export class MiError extends Error {
  override readonly name = "MiError";
  readonly code: number;
  readonly data: string | undefined;

  constructor(code: number, message: string, data?: string) {
    super(message);
    this.code = code;
    this.data = data;
  }

  /** -32700: the input is not JSON. Answered over HTTP only; the FIFO drops it (docs/mi-protocol.md §3). */
  static parseError(): MiError {
    return new MiError(-32700, "Parse error");
  }
  /** -32600: not a JSON-RPC 2.0 request object (docs/mi-protocol.md §1). */
  static invalidRequest(): MiError {
    return new MiError(-32600, "Invalid Request");
  }
  /** -32601: no command of that name. */
  static methodNotFound(): MiError {
    return new MiError(-32601, "Method not found");
  }
  /** -32602 with one of the {@link MiErrorData} strings or `Bad type for parameter '<p>'`. */
  static invalidParams(data: string): MiError {
    return new MiError(-32602, "Invalid params", data);
  }
  /** -32602 `Bad type for parameter '<name>'` (a param of the wrong JSON type, docs/mi-protocol.md §2). */
  static badParamType(name: string): MiError {
    return MiError.invalidParams(`Bad type for parameter '${name}'`);
  }
  /** -32602 `Bad type for array item in parameter '<name>'`. */
  static badArrayItemType(name: string): MiError {
    return MiError.invalidParams(`Bad type for array item in parameter '${name}'`);
  }
  /** -32602 `Empty array in parameter '<name>'`. */
  static emptyArray(name: string): MiError {
    return MiError.invalidParams(`Empty array in parameter '${name}'`);
  }
  /** -32000 with a data string ({@link MiErrorData.handlerReturnedNull} / {@link MiErrorData.failedToHandleParameter}). */
  static serverError(data: string): MiError {
    return new MiError(-32000, "Server error", data);
  }
  /** -32000 `Command handler returned null`: the handler failed (DB error, …). */
  static handlerFailed(): MiError {
    return MiError.serverError(MiErrorData.handlerReturnedNull);
  }
  /** -32000 `Failed to handle parameter`: a value was present but unusable (bad URI in reg_upsert, …). */
  static failedToHandleParameter(): MiError {
    return MiError.serverError(MiErrorData.failedToHandleParameter);
  }
  /** A command-specific error with a positive code and usually no data, e.g. `command(404, "No such registrant")`. */
  static command(code: number, message: string, data?: string): MiError {
    return new MiError(code, message, data);
  }
}
