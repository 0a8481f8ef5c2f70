/**
 * The reasons of the state changes, interned: a few distinct strings ("200 OK", "timeout", "MI disable") shared by
 * every record's history, so that an entry holds a small number instead of a string (docs/events.md §5).
 *
 * Bounded: reasons partly come from the network (a registrar's reason phrase), so a registrar sending a new phrase on
 * every reply must not grow memory. The table is a ring of `capacity` strings; when full, the oldest is replaced and
 * its slot's generation moves on, so an old entry that still points at the slot reads as {@link REASON_GONE} instead
 * of someone else's reason.
 */

/** What an entry shows when its reason was pushed out of the table by newer distinct reasons. */
export const REASON_GONE = "(reason no longer kept)";

/** Longest reason kept, in UTF-16 units; longer ones are cut and end with "…". */
export const MAX_REASON_LENGTH = 200;

/** Bits of an interned reference: the slot (low bits) and the generation (high bits). */
export const REASON_SLOT_BITS = 12;
export const REASON_GENERATION_BITS = 11;
const SLOT_MASK = (1 << REASON_SLOT_BITS) - 1;
const GENERATION_MASK = (1 << REASON_GENERATION_BITS) - 1;
/**
 * A reference that always reads as {@link REASON_GONE}: generations run 0 to 2046 and wrap, so the all-ones
 * generation is never a live slot's.
 */
export const REASON_GONE_REF = (GENERATION_MASK << REASON_SLOT_BITS) | SLOT_MASK;

export class ReasonTable {
  readonly #strings: (string | undefined)[];
  readonly #generations: Uint16Array;
  readonly #slots = new Map<string, number>();
  #next = 0;

  /** @param capacity distinct reasons kept at once, 1 to 4096 */
  constructor(readonly capacity = 1 << REASON_SLOT_BITS) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << REASON_SLOT_BITS) {
      throw new RangeError(`reason table capacity must be 1..${1 << REASON_SLOT_BITS}, got ${capacity}`);
    }
    this.#strings = new Array<string | undefined>(capacity);
    this.#generations = new Uint16Array(capacity);
  }

  /** How many distinct reasons are held now. */
  get size(): number {
    return this.#slots.size;
  }

  /** A reference (< 2^23) to `reason`, interning it when new. */
  intern(reason: string): number {
    const text = reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
    let slot = this.#slots.get(text);
    if (slot === undefined) {
      slot = this.#next;
      this.#next = (this.#next + 1) % this.capacity;
      const old = this.#strings[slot];
      if (old !== undefined) {
        this.#slots.delete(old);
        this.#generations[slot] = ((this.#generations[slot] ?? 0) + 1) % GENERATION_MASK;
      }
      this.#strings[slot] = text;
      this.#slots.set(text, slot);
    }
    return (((this.#generations[slot] ?? 0) << REASON_SLOT_BITS) | slot) >>> 0;
  }

  /** The reason a reference names, or {@link REASON_GONE} when its slot has been reused since. */
  text(ref: number): string {
    const slot = ref & SLOT_MASK;
    const generation = (ref >>> REASON_SLOT_BITS) & GENERATION_MASK;
    if (slot >= this.capacity || this.#generations[slot] !== generation) return REASON_GONE;
    return this.#strings[slot] ?? REASON_GONE;
  }
}
