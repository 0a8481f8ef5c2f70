export { settle, VirtualClock, type VirtualClockOptions } from "./virtual-clock.js";
export { countWork } from "./testing-work-counter.js";
