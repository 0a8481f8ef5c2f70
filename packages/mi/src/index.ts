/**
 * @uacreg/mi — the OpenSIPS Management Interface: JSON-RPC 2.0 command registry with recipes, and the mi_http and
 * mi_fifo front ends (reference: mi-protocol.md).
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
export { MiError, MiErrorData } from "./mi-error.js";
export { MiFifoError, MiFifoServer, type MiFifoServerOptions } from "./mi-fifo-server.js";
export { MiHttpServer, type MiHttpServerOptions } from "./mi-http-server.js";
export { type Logger, silentLogger } from "./mi-logger.js";
export { MiParams } from "./mi-params.js";
export {
  HELP_USAGE,
  type MiCallContext,
  type MiCommand,
  type MiHandler,
  type MiOutcome,
  MiRegistry,
  MiRegistryError,
  type MiRegistryOptions,
  type MiTransport,
} from "./mi-registry.js";
