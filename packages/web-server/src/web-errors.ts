/**
 * The errors of the web API: one class, the HTTP status, a stable machine code and a message (docs/web-api.md §1
 * "Errors"). The body is always `{"error": {"code", "message", "parameter"?}}`; no message carries a password.
 */

/** The `error.code` values of docs/web-api.md. */
export type WebErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "too_many_requests"
  | "not_ready"
  | "mi_error";

/** An HTTP error answer of the web API. */
export class WebApiError extends Error {
  override readonly name = "WebApiError";

  constructor(
    readonly status: number,
    readonly code: WebErrorCode,
    message: string,
    /** The query or body parameter at fault (400). */
    readonly parameter?: string,
  ) {
    super(message);
  }

  /** 400 naming the parameter. */
  static badParameter(parameter: string, message: string): WebApiError {
    return new WebApiError(400, "bad_request", `${parameter}: ${message}`, parameter);
  }

  /** The JSON body. */
  body(): { error: { code: WebErrorCode; message: string; parameter?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.parameter !== undefined ? { parameter: this.parameter } : {}),
      },
    };
  }
}
