import {
  type DigestAlgorithm,
  type DigestCredentials,
  type DigestCredentialsInput,
  type DigestCredentialsTarget,
  type DigestQop,
  computeCredentialsInto,
  formatAuthorization,
} from "@uacreg/digest";
import type { RequestCredentials } from "./register-request.js";

/**
 * Credentials computed for one request (response, cnonce, nc all decided), their header value formatted only when
 * read: the request builder writes the value's parts straight into the header block's join (digest
 * `writeAuthorizationParts`), so a refresh makes no value string of its own (docs/performance.md, "Core and digest").
 * The credentials' fields are the object's own (digest `computeCredentialsInto`): one object per answer, not two.
 */
export class DigestAnswer implements RequestCredentials, DigestCredentials, DigestCredentialsTarget {
  username = "";
  realm = "";
  nonce = "";
  uri = "";
  opaque: string | undefined = undefined;
  qop: DigestQop | undefined = undefined;
  nc: number | undefined = undefined;
  cnonce: string | undefined = undefined;
  response = "";
  algorithm: DigestAlgorithm = "MD5";
  userhash = false;

  /** Computes (and checks) the answer to `input`; throws DigestError as digest's computeCredentials does. */
  constructor(
    readonly header: RequestCredentials["header"],
    input: DigestCredentialsInput,
  ) {
    computeCredentialsInto(input, this);
  }

  get scheme(): "Digest" {
    return "Digest";
  }

  /** The computed credentials (this object). */
  get credentials(): DigestCredentials {
    return this;
  }

  get value(): string {
    return formatAuthorization(this);
  }
}
