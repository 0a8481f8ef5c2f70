import { type RandomBytes, newDialogIds, type RegistrantEvent, type SendAction } from "@uacreg/core";
import type { Logger } from "@uacreg/runtime";
import type { EngineCounters } from "./engine-counters.js";
import type { ClusterSlot, LiveRecord } from "./live-record.js";
import type { DialogMarkStore, RecordOwnership } from "./record-ownership.js";
import type { SendOutcome } from "./request-sender.js";

/** Default CSeq block reserved per record at a takeover and per mark (docs/cluster.md §4: `cseq_mark + 100`). */
export const DEFAULT_CSEQ_BLOCK = 100;

/** What a send of a clustered record is allowed to do after the {@link ClusterGate}. */
export type GateAnswer =
  /** go on; `guard` is the send guard of the unit at the epoch held at admission (docs/cluster.md §6) */
  | { readonly go: true; readonly guard: () => boolean }
  /** drop it: the unit is not held here, or the fenced mark write was refused (the unit is being lost) */
  | { readonly go: false };

/** Core's "tag backup" event: NOT_REGISTERED at once, nothing sent (docs/opensips-behaviour.md §7, docs/cluster.md §6). */
export const UNIT_LOST: RegistrantEvent = { type: "tag", state: "backup" };

/**
 * The cluster side of every send of a record that belongs to a unit (docs/cluster.md §4, §6), asked by the
 * record dispatcher before next-hop resolution and admission:
 * - the unit must be held here: its epoch at this moment is the one the send guard checks before every write;
 * - with a {@link DialogMarkStore}, the unit's takeover must have reserved its CSeq block at that epoch
 *   ({@link ready}): before that a send would register under the record's own Call-ID and overwrite the inherited one;
 * - with a {@link DialogMarkStore}, a send under a Call-ID not stored yet (a record with no row, a new Call-ID) or
 *   past the stored mark first stores `cseq_mark := cseq + block − 1` (fenced); a refusal drops the send.
 * It also recognises the registrar's refusal of an inherited Call-ID (a final 4xx other than 401/407/423 to the first
 * REGISTER after a takeover) so the engine takes a new one, once.
 */
export class ClusterGate {
  readonly ownership: RecordOwnership;
  readonly dialogs: DialogMarkStore | undefined;
  readonly block: number;
  readonly #counters: EngineCounters;
  readonly #log: Logger;
  /**
   * With dialog marks: the epoch at which each held unit's takeover reserved its CSeq block. Until then no record of
   * the unit may send (it would register under a Call-ID of its own and store it over the inherited one).
   */
  readonly #ready = new Map<string, number>();

  constructor(o: {
    ownership: RecordOwnership;
    dialogs: DialogMarkStore | undefined;
    block: number;
    counters: EngineCounters;
    log: Logger;
  }) {
    if (!Number.isSafeInteger(o.block) || o.block < 1) throw new RangeError(`cseqBlock must be an integer ≥ 1`);
    this.ownership = o.ownership;
    this.dialogs = o.dialogs;
    this.block = o.block;
    this.#counters = o.counters;
    this.#log = o.log;
  }

  /** The unit's takeover reserved its block at `epoch`: its records may send (docs/cluster.md §4). */
  ready(unit: string, epoch: number): void {
    this.#ready.set(unit, epoch);
  }

  /** The unit is lost, or its gain is being taken over again: its records wait for the next reservation. */
  unready(unit: string): void {
    this.#ready.delete(unit);
  }

  /** The send guard of `unit` at `epoch`: asked synchronously by the transport before each write. */
  guardOf(unit: string, epoch: number): () => boolean {
    const ownership = this.ownership;
    return () => ownership.mayWrite(unit, epoch);
  }

  /**
   * Decides a send of `live` (whose slot is `slot`): synchronously when no mark must be stored, else once the fenced
   * write answered. `answer` is called exactly once.
   */
  admit(live: LiveRecord, slot: ClusterSlot, send: SendAction, answer: (a: GateAnswer) => void): void {
    const { unit } = slot;
    const epoch = this.ownership.epochOf(unit);
    const dialogs = this.dialogs;
    if (
      epoch === undefined ||
      !this.ownership.mayWrite(unit, epoch) ||
      (dialogs !== undefined && this.#ready.get(unit) !== epoch)
    ) {
      this.#counters.sendsFenced++;
      answer({ go: false });
      return;
    }
    const go: GateAnswer = { go: true, guard: this.guardOf(unit, epoch) };
    const { callId, cseq } = send.request;
    if (dialogs === undefined || (slot.callId === callId && cseq <= slot.mark)) {
      answer(go);
      return;
    }
    const mark = { key: live.key, callId, fromTag: live.record.fromTag, cseqMark: cseq + this.block - 1 };
    const refused = (why: string) => {
      this.#counters.dialogSaveRefused++;
      this.#log.warn({ key: live.key, unit, epoch, why }, "dialog mark not stored: the send is dropped");
      answer({ go: false });
    };
    dialogs.saveDialog(unit, epoch, mark).then(
      (saved) => {
        if (!saved) return refused("the unit is no longer held at this epoch");
        slot.callId = callId;
        slot.mark = mark.cseqMark;
        answer(go);
      },
      (error: unknown) => refused(String(error)),
    );
  }

  /**
   * Whether `outcome` refuses the Call-ID inherited at a takeover (docs/cluster.md §4): a final 4xx other than
   * 401/407/423 to the first REGISTER under it. A 401/407/423 leaves the question open (the answer to it is still
   * the first REGISTER); any other final answer closes it.
   */
  refusesInherited(live: LiveRecord, slot: ClusterSlot, callId: string, outcome: SendOutcome): boolean {
    if (slot.inherited === undefined || slot.inherited !== callId || outcome.kind !== "response") return false;
    const status = outcome.response.status;
    if (status < 200) return false;
    if (status === 401 || status === 407 || status === 423) return false;
    slot.inherited = undefined;
    return status >= 400 && status < 500 && live.record.pending?.form === "register";
  }

  /** Core's adopt-dialog event for a new Call-ID and From-tag (CSeq restarts at 1). */
  static freshDialog(random: RandomBytes): RegistrantEvent {
    const ids = newDialogIds(random);
    return { type: "adopt-dialog", callId: ids.callId, fromTag: ids.fromTag, cseq: 0 };
  }
}
