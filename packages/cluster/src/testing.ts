/**
 * `@uacreg/cluster/testing`: the in-memory lease database with fault injection and the conformance suite every
 * LeaseStore passes (docs/cluster.md §2–§4). Kept out of the main entry, which never imports vitest.
 */
export {
  type FaultPlan,
  type LeaseStatement,
  LeaseStoreFaultError,
  MemoryLeaseConnection,
  MemoryLeaseStore,
  type MemoryLeaseStoreOptions,
  type StatementFate,
} from "./memory-lease-store.js";
export { type ConformanceStore, leaseStoreConformance, MAX_TIME_READS } from "./lease-store-conformance.js";
