export type { Clock, TimerHandle } from "./clock.js";
export { type Logger, SILENT_LOGGER } from "./logger.js";
export { systemClock } from "./system-clock.js";
export { delay, within, type WithinResult } from "./within.js";
