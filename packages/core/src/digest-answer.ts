import { type DigestCredentials, formatAuthorization } from "@uacreg/digest";
import type { RequestCredentials } from "./register-request.js";

/**
 * Credentials computed for one request (response, cnonce, nc all decided), their header value formatted only when
 * read: the request builder writes the value's parts straight into the header block's join (digest
 * `writeAuthorizationParts`), so a refresh makes no value string of its own (docs/performance.md, "Core and digest").
 */
export class DigestAnswer implements RequestCredentials {
  constructor(
    readonly header: RequestCredentials["header"],
    readonly credentials: DigestCredentials,
  ) {}

  get value(): string {
    return formatAuthorization(this.credentials);
  }
}
