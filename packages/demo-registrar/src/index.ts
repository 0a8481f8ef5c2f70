/**
 * @uacreg/demo-registrar: a small loopback SIP registrar (RFC 3261 §10.3) with Digest authentication (RFC 7616, MD5,
 * qop=auth), for the quick start and as a fast local responder for tests and benchmarks.
 */
export {
  type Binding,
  type DemoRegistrar,
  DemoRegistrarConfigError,
  type DemoRegistrarEvent,
  type DemoRegistrarOptions,
  type DemoRegistrarStats,
  startDemoRegistrar,
} from "./demo-registrar.js";
export { type DemoRegistrarArgs, DemoRegistrarUsageError, parseDemoRegistrarArgs, USAGE } from "./command-line.js";
export {
  openRegisterLogFile,
  parseRegisterLog,
  type RegisterLogContact,
  type RegisterLogEntry,
  type RegisterLogFile,
} from "./register-log.js";
