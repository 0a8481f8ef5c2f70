/**
 * @uacreg/scheduler: the AOR hash table and the bucket walk of uac_registrant (docs/opensips-behaviour.md §2.3, §3).
 * Pure: no I/O, no clock; time comes in as arguments.
 */
export { BucketWalk, type BucketWalkOptions } from "./bucket-walk.js";
export { bucketCount, bucketPeriodSeconds, MIN_TIMER_INTERVAL } from "./bucket-count.js";
export { bucketOf, coreHash } from "./core-hash.js";
export { LinkedRegistrantTable, type RecordKey, TableEntry } from "./linked-table.js";
export { RegistrantTable } from "./registrant-table.js";
export { DuplicateRecordError, SchedulerConfigError } from "./scheduler-config-error.js";
