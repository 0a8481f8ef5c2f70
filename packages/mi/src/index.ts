/**
 * @uacreg/mi — the OpenSIPS Management Interface: JSON-RPC 2.0 command registry with recipes, the mi_http and
 * mi_fifo front ends, and a client for both (docs/mi-protocol.md). It knows nothing about SIP.
 */
export { type MiRecipe, type RecipeMatch, chooseRecipe } from "./command-recipe.js";
export { type UptimeOptions, uptimeCommand, versionCommand } from "./core-commands.js";
export { formatCtime } from "./ctime.js";
export {
  type FifoDrop,
  type FifoFrame,
  FifoFramer,
  type FifoFramerOptions,
  type FifoRequest,
  fifoReplyPath,
  frameFifoRequest,
  isForbiddenReplyName,
} from "./fifo-framer.js";
export { type MiId, echoableId, serializeError, serializeResult } from "./json-rpc-reply.js";
export { type MiInvalidRequest, type MiRequest, type MiRequestParams, parseMiRequest } from "./json-rpc-request.js";
export {
  type JsonParse,
  type JsonScan,
  MAX_JSON_DEPTH,
  parseFirstJsonValue,
  scanJsonValue,
} from "./json-value-scanner.js";
export { buildMiRequest, type MiCallParams, type MiRequestId, readMiReply } from "./mi-call.js";
export { createMiClient, type MiClient, type MiClientOptions, type MiEndpoint } from "./mi-client.js";
export {
  MiBadReplyError,
  MiClientError,
  MiConnectionRefusedError,
  MiEmptyReplyError,
  MiHttpStatusError,
  MiReplyError,
  MiReplyFifoTimeoutError,
  MiTimeoutError,
} from "./mi-client-error.js";
export { MiError, MiErrorData } from "./mi-error.js";
export { MiFifoClient, type MiFifoClientOptions } from "./mi-fifo-client.js";
export { DEFAULT_SLICE_CHARS, hasSlicedArray, resultSlices } from "./json-reply-slices.js";
export { MiSlicedArray } from "./mi-sliced-array.js";
export { MiFifoError, MiFifoLockedError, MiFifoServer, type MiFifoServerOptions } from "./mi-fifo-server.js";
export { MiHttpClient, type MiHttpClientOptions } from "./mi-http-client.js";
export { MiHttpServer, type MiHttpServerOptions } from "./mi-http-server.js";
export { MiParams } from "./mi-params.js";
export { pacedSlices, ReplyPacer, SHARED_REPLY_PACER } from "./reply-pacer.js";
export {
  HELP_USAGE,
  type MiCallContext,
  type MiCommand,
  type MiHandler,
  type MiOutcome,
  type MiSlicedOutcome,
  MiRegistry,
  MiRegistryError,
  type MiTransport,
} from "./mi-registry.js";
