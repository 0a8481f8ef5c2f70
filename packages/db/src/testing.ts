/**
 * `@uacreg/db/testing`: test tooling for the adapter packages, kept out of the main entry so nothing that imports
 * `@uacreg/db` pulls in vitest's types: the repository conformance suite every adapter runs against its real engine,
 * the sample rows it uses, the bulk-load measurement of the benchmarks, and a TCP proxy that cuts connections.
 */
export {
  type ConformanceTarget,
  type OpenedRepository,
  registrantRepositorySuite,
  type SuiteApi,
  sampleRow,
} from "./repository-conformance-suite.js";
export { formatLoadMeasurement, type LoadMeasurement, measureLoad } from "./load-measurement.js";
export { startTcpFaultProxy, type TcpFaultProxy } from "./tcp-fault-proxy.js";
export {
  emptyClusterTables,
  type LeaseStoreConformance,
  type LeaseSuiteTarget,
  sqlLeaseStoreSuite,
} from "./lease-store-suite.js";
