/**
 * What the event interface needs of a transport: send one payload to a resolved address, never throwing and never
 * waiting (docs/events.md §6: delivery never blocks the engine). Failures and drops are counted.
 */

/** A subscriber's address once its host is resolved. */
export interface ResolvedTarget {
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
}

/** Counters every sender keeps. */
export interface SenderCounters {
  /** Payloads handed to the socket. */
  sent: number;
  /** Payloads not sent: too large, buffer full, connection lost before they were written. */
  dropped: number;
  /** Socket errors (refused, unreachable, reset). */
  errors: number;
}

export interface EventSender {
  readonly counters: SenderCounters;
  /** Queues the payload for the target; returns at once. */
  send(target: ResolvedTarget, payload: string): void;
  /** No subscriber uses the target any more: its connection, if any, may close. */
  release(target: ResolvedTarget): void;
  close(): Promise<void>;
}

export function emptySenderCounters(): SenderCounters {
  return { sent: 0, dropped: 0, errors: 0 };
}
