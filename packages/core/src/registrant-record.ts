import type { CoreContext, RandomBytes } from "./core-params.js";
import { newDialogPair, PAIR_CALL_ID_LENGTH } from "./dialog-ids.js";
import type { AuthCache } from "./registrant-authorization.js";
import type { Destination, RequestForm } from "./register-request.js";
import { parseRegistrantRow, type RegistrantConfig, type ValidationContext } from "./registrant-config.js";
import type { RegistrantKey, RegistrantRow } from "./registrant-row.js";
import { type RegistrantState, type StateName, stateName } from "./registrant-state.js";
import { joinFlat } from "./flat-join.js";

/** The request in flight (states 1, 2, 8, 9): replies and timeouts are matched against it. */
export interface PendingRequest {
  readonly callId: string;
  readonly cseq: number;
  readonly form: RequestForm;
  /** It carried credentials (an answer to a challenge, or preemptive ones). */
  readonly authenticated: boolean;
  /** A `stale=true` challenge was already answered in this exchange (decisions: answer it once). */
  readonly staleAnswered: boolean;
  /** W as sent, for the `register` form (bounds the 423 loop). */
  readonly expires: number;
  /** 423 re-sends already made in this registration attempt (bounded, see reply-retry-bounds.ts). */
  readonly intervalResends: number;
  /** Challenges already answered in this registration attempt (bounded, see reply-retry-bounds.ts). */
  readonly challengeAnswers: number;
}

/** {@link PendingRequest}'s forms by number (2 bits) and back. */
const FORMS: readonly RequestForm[] = ["register", "unregister", "wildcard"];
const AUTHENTICATED = 4;
const STALE_ANSWERED = 8;
/** The two counters take 8 bits each (their bounds are 2 and 3: reply-retry-bounds.ts); they stop at 255. */
const RESENDS_SHIFT = 4;
const ANSWERS_SHIFT = 12;
const COUNTER_MAX = 255;

/**
 * The request in flight as core makes it: Call-ID, CSeq and W as fields, the form, the two flags and the two
 * counters in one small integer behind getters (4 fields instead of 8: 32 bytes per request sent; docs/performance.md,
 * "Core and digest"). Immutable.
 */
class InFlight implements PendingRequest {
  constructor(
    readonly callId: string,
    readonly cseq: number,
    readonly expires: number,
    /** form | AUTHENTICATED | STALE_ANSWERED | resends << 4 | answers << 12. */
    readonly bits: number,
  ) {}

  get form(): RequestForm {
    return FORMS[this.bits & 3] as RequestForm;
  }
  get authenticated(): boolean {
    return (this.bits & AUTHENTICATED) !== 0;
  }
  get staleAnswered(): boolean {
    return (this.bits & STALE_ANSWERED) !== 0;
  }
  get intervalResends(): number {
    return (this.bits >> RESENDS_SHIFT) & COUNTER_MAX;
  }
  get challengeAnswers(): number {
    return (this.bits >> ANSWERS_SHIFT) & COUNTER_MAX;
  }

  /** What JSON shows: the fields by their names. */
  toJSON(): PendingRequest {
    return {
      callId: this.callId,
      cseq: this.cseq,
      form: this.form,
      authenticated: this.authenticated,
      staleAnswered: this.staleAnswered,
      expires: this.expires,
      intervalResends: this.intervalResends,
      challengeAnswers: this.challengeAnswers,
    };
  }
}

/** A {@link PendingRequest} (see {@link InFlight}), from its fields in the interface's order. */
export function pendingRequest(
  callId: string,
  cseq: number,
  form: RequestForm,
  authenticated: boolean,
  staleAnswered: boolean,
  expires: number,
  intervalResends: number,
  challengeAnswers: number,
): PendingRequest {
  return new InFlight(
    callId,
    cseq,
    expires,
    FORMS.indexOf(form) |
      (authenticated ? AUTHENTICATED : 0) |
      (staleAnswered ? STALE_ANSWERED : 0) |
      (Math.min(intervalResends, COUNTER_MAX) << RESENDS_SHIFT) |
      (Math.min(challengeAnswers, COUNTER_MAX) << ANSWERS_SHIFT),
  );
}

/**
 * One registrant: its validated row and its runtime state (docs/opensips-behaviour.md §2.1). Immutable: every entry point returns a
 * new record (or the same object when nothing changed).
 */
export interface RegistrantRecord {
  readonly config: RegistrantConfig;
  readonly state: RegistrantState;
  readonly enabled: boolean;
  /** E: the granted expiry (initially the configured one). */
  readonly expires: number;
  /** W: the expiry asked for (configured, or Min-Expires after a 423). */
  readonly wantedExpires: number;
  /** Unix seconds of the last request sent, 0 = never. */
  readonly lastRegisterSent: number;
  /** RT, unix seconds; 0 = none (due at the next visit). */
  readonly registrationTimeout: number;
  readonly callId: string;
  readonly fromTag: string;
  /** The last CSeq used; the next request uses cseq + 1 (§4.2). */
  readonly cseq: number;
  readonly pending?: PendingRequest;
  readonly auth?: AuthCache;
  /** IP:port of the last real reply's source (§4.3); cleared by a timeout, a transport error or a 503. */
  readonly pinned?: Destination;
  /** A changed row was reloaded while a REGISTER was in flight: refresh at the next visit after its 200. */
  readonly refreshAfterReply: boolean;
  /**
   * The REGISTER in flight follows a FORCE_SINGLE wildcard cleanup: if the registrar still lists other bindings, accept
   * the registration (with a warning) instead of cleaning up again at once (§5 step 2 "can loop").
   */
  readonly afterSingleCleanup?: boolean;
}

/** {@link Registrant}'s `bits`: the state in bits 0–3 (0..9), then the three flags, then the Call-ID's length. */
const STATE_MASK = 15;
const ENABLED = 16;
const REFRESH_AFTER_REPLY = 32;
const AFTER_SINGLE_CLEANUP = 64;
const LOW_BITS = 255;
const LENGTH_SHIFT = 8;
/** The longest Call-ID a record keeps (23 bits: a SIP message over UDP or TCP is far shorter). */
const MAX_CALL_ID_LENGTH = 0x7fffff;

/**
 * A record as core makes it (11 fields instead of 15: 32 bytes per record and per copy, and 24 bytes of strings per
 * record; core README "Performance"): the state, the three flags (`enabled`, `refreshAfterReply`,
 * `afterSingleCleanup`) and the Call-ID's length in one small integer; the Call-ID and the From-tag in one flat string
 * (`callId` is its first part, `fromTag` the rest), read through getters and written through setters. Records are
 * copied with {@link copyRecord} only: a spread (`{ ...record }`) copies own fields, not the prototype's accessors,
 * so the copy would lack `state`, the flags, `callId` and `fromTag`.
 */
export class Registrant implements RegistrantRecord {
  constructor(
    public config: RegistrantConfig,
    /** state | ENABLED | REFRESH_AFTER_REPLY | AFTER_SINGLE_CLEANUP | Call-ID length << LENGTH_SHIFT. */
    public bits: number,
    public expires: number,
    public wantedExpires: number,
    public lastRegisterSent: number,
    public registrationTimeout: number,
    /** The Call-ID then the From-tag, one flat string. */
    public dialog: string,
    public cseq: number,
    public pending: PendingRequest | undefined,
    public auth: AuthCache | undefined,
    public pinned: Destination | undefined,
  ) {}

  get state(): RegistrantState {
    return (this.bits & STATE_MASK) as RegistrantState;
  }
  set state(state: RegistrantState) {
    this.bits = (this.bits & ~STATE_MASK) | state;
  }
  get enabled(): boolean {
    return (this.bits & ENABLED) !== 0;
  }
  set enabled(on: boolean) {
    this.bits = on ? this.bits | ENABLED : this.bits & ~ENABLED;
  }
  get refreshAfterReply(): boolean {
    return (this.bits & REFRESH_AFTER_REPLY) !== 0;
  }
  set refreshAfterReply(on: boolean) {
    this.bits = on ? this.bits | REFRESH_AFTER_REPLY : this.bits & ~REFRESH_AFTER_REPLY;
  }
  get afterSingleCleanup(): boolean {
    return (this.bits & AFTER_SINGLE_CLEANUP) !== 0;
  }
  set afterSingleCleanup(on: boolean | undefined) {
    this.bits = on === true ? this.bits | AFTER_SINGLE_CLEANUP : this.bits & ~AFTER_SINGLE_CLEANUP;
  }
  get callId(): string {
    return this.dialog.slice(0, this.bits >> LENGTH_SHIFT);
  }
  set callId(callId: string) {
    this.setDialog(callId, this.fromTag);
  }
  get fromTag(): string {
    return this.dialog.slice(this.bits >> LENGTH_SHIFT);
  }
  set fromTag(fromTag: string) {
    this.setDialog(this.callId, fromTag);
  }

  /** A new Call-ID and From-tag. */
  setDialog(callId: string, fromTag: string): void {
    this.setDialogPair(joinFlat(callId, fromTag), callId.length);
  }

  /** A new Call-ID and From-tag as one flat string, the Call-ID its first `callIdLength` characters. */
  setDialogPair(dialog: string, callIdLength: number): void {
    if (callIdLength > MAX_CALL_ID_LENGTH) throw new RangeError(`a Call-ID of ${callIdLength} characters`);
    this.dialog = dialog;
    this.bits = (this.bits & LOW_BITS) | (callIdLength << LENGTH_SHIFT);
  }

  /** What JSON shows: the fields of {@link RegistrantRecord} by their names. */
  toJSON(): RegistrantRecord {
    return {
      config: this.config,
      state: this.state,
      enabled: this.enabled,
      expires: this.expires,
      wantedExpires: this.wantedExpires,
      lastRegisterSent: this.lastRegisterSent,
      registrationTimeout: this.registrationTimeout,
      callId: this.callId,
      fromTag: this.fromTag,
      cseq: this.cseq,
      pending: this.pending,
      auth: this.auth,
      pinned: this.pinned,
      refreshAfterReply: this.refreshAfterReply,
      afterSingleCleanup: this.afterSingleCleanup,
    };
  }
}

/** A new record for a validated row: NOT_REGISTERED, a fresh Call-ID and From-tag, CSeq 0 (§4.2, §8). */
export function createRecord(config: RegistrantConfig, random: RandomBytes): RegistrantRecord {
  return new Registrant(
    config,
    (config.enabled ? ENABLED : 0) | (PAIR_CALL_ID_LENGTH << LENGTH_SHIFT),
    config.expiry,
    config.expiry,
    0,
    0,
    newDialogPair(random),
    0,
    undefined,
    undefined,
    undefined,
  );
}

/**
 * A field-by-field copy to change: the only way to copy a record (see {@link Registrant}: a spread loses the state,
 * the flags and the dialog). Any {@link RegistrantRecord} is accepted, a core record or a plain object with every
 * field (tests).
 */
export function copyRecord(r: RegistrantRecord): Registrant {
  if (r instanceof Registrant) {
    return new Registrant(
      r.config,
      r.bits,
      r.expires,
      r.wantedExpires,
      r.lastRegisterSent,
      r.registrationTimeout,
      r.dialog,
      r.cseq,
      r.pending,
      r.auth,
      r.pinned,
    );
  }
  const copy = new Registrant(
    r.config,
    r.state |
      (r.enabled ? ENABLED : 0) |
      (r.refreshAfterReply ? REFRESH_AFTER_REPLY : 0) |
      (r.afterSingleCleanup === true ? AFTER_SINGLE_CLEANUP : 0),
    r.expires,
    r.wantedExpires,
    r.lastRegisterSent,
    r.registrationTimeout,
    "",
    r.cseq,
    r.pending,
    r.auth,
    r.pinned,
  );
  copy.setDialog(r.callId, r.fromTag);
  return copy;
}

/** Validates a row and creates its record. Throws RecordValidationError. */
export function recordFromRow(
  row: RegistrantRow,
  validation: ValidationContext,
  ctx: Pick<CoreContext, "random">,
): RegistrantRecord {
  return createRecord(parseRegistrantRow(row, validation), ctx.random);
}

/** What `reg_list` shows of a record (docs/contracts.md RecordView; the engine may add `socket` once it knows it). */
export interface RecordView {
  aor: string;
  contact: string;
  registrar: string;
  proxy?: string;
  thirdPartyRegistrant?: string;
  bindingParams?: string;
  expires: number;
  state: number;
  stateName: StateName;
  enabled: boolean;
  lastRegisterSent: number;
  registrationTimeout: number;
  socket?: string;
  pinned?: Destination;
  shtag?: string;
  clusterId?: number;
  /**
   * Whether the row has a password (the status page shows "set" / "not set", docs/web-api.md). Never the password
   * itself; `reg_list` does not show it (OpenSIPS has no such field).
   */
  passwordSet?: boolean;
}

/** The record as reg_list shows it (§9). Never includes the username's password. */
export function recordView(record: RegistrantRecord): RecordView {
  const c = record.config;
  const view: RecordView = {
    aor: c.aor,
    contact: c.binding,
    registrar: c.registrar,
    expires: record.expires,
    state: record.state,
    stateName: stateName(record.state),
    enabled: record.enabled,
    lastRegisterSent: record.lastRegisterSent,
    registrationTimeout: record.registrationTimeout,
    passwordSet: c.password !== undefined && c.password !== "",
  };
  if (c.proxy !== undefined) view.proxy = c.proxy;
  if (c.thirdPartyRegistrant !== undefined) view.thirdPartyRegistrant = c.thirdPartyRegistrant;
  if (c.bindingParams !== undefined) view.bindingParams = c.bindingParams;
  if (c.forcedSocket !== undefined) view.socket = c.forcedSocket;
  if (record.pinned !== undefined) view.pinned = record.pinned;
  if (c.shtag !== undefined) {
    view.shtag = c.shtag.name;
    view.clusterId = c.shtag.clusterId;
  }
  return view;
}

/** The record's key (aor, contact = binding URI, registrar). */
export function recordKey(record: RegistrantRecord): RegistrantKey {
  return record.config.key;
}
