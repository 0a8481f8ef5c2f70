import { DigestError, selectChallenge } from "@uacreg/digest";
import {
  echoedContactExpires,
  parseContacts,
  parseDeltaSeconds,
  parseRetryAfter,
  SipParseError,
  uriEquals,
} from "@uacreg/sip";
import type { CoreContext } from "./core-params.js";
import { ignoreStale, matchesPending } from "./pending-request.js";
import type { RegistrantAction, Step } from "./registrant-action.js";
import { answerKeeping, applyAuthenticationInfo, credentialsHeader, otherRealm } from "./registrant-authorization.js";
import type { ReplyMessage, RequestId } from "./registrant-event.js";
import { copyRecord, type RegistrantRecord } from "./registrant-record.js";
import { RegistrantState } from "./registrant-state.js";
import { clampInterval, maxExpiresOf, maxRetryAfterOf } from "./registrar-interval-bounds.js";
import { MAX_CHALLENGE_ANSWERS, MAX_INTERVAL_RESENDS } from "./reply-retry-bounds.js";
import { applyTransition, unchanged } from "./transition-apply.js";
import type { Destination } from "./register-request.js";
import { ownCopy } from "./shared-strings.js";

type RecordStep = Step<RegistrantRecord>;

/** Minimum usable Min-Expires of a 423 (OpenSIPS #3910 plausibility check, docs/opensips-behaviour.md §5). */
export const MIN_MIN_EXPIRES = 5;

function requestOf(response: ReplyMessage): RequestId | undefined {
  const callId = response.getHeader("Call-ID")?.trim();
  const cseq = /^\s*(\d{1,10})\b/.exec(response.getHeader("CSeq") ?? "");
  if (callId === undefined || cseq === null) return undefined;
  return { callId, cseq: Number(cseq[1]) };
}

/** The last description per status code: a registrar sends the same "200 OK" for every reply (no string per reply). */
const DESCRIBED = new Map<number, { readonly reason: string; readonly text: string }>();

function describe(response: ReplyMessage): string {
  const reason = response.reason;
  if (!reason) return String(response.status);
  const kept = DESCRIBED.get(response.status);
  if (kept !== undefined && kept.reason === reason) return kept.text;
  const text = `${response.status} ${reason}`;
  // Own flat copies: the reason is a slice of the received message, which the table must not keep alive.
  if (DESCRIBED.size < 64 || DESCRIBED.has(response.status)) {
    DESCRIBED.set(response.status, { reason: ownCopy(reason), text: ownCopy(text) });
  }
  return text;
}

function uriOf(config: RegistrantRecord["config"]): RegistrantRecord["config"]["bindingUri"] {
  return config.bindingUri;
}

const PINS = new Map<string, Destination>();

/**
 * The pin as records keep it: records pinned to the same IP:port share one object (the engine passes a new one, with
 * a new address string, per reply). Bounded: past 1024 distinct destinations the table starts again.
 */
function keptDestination(d: Destination): Destination {
  const key = `${d.address}|${d.port}|${d.family}`;
  const hit = PINS.get(key);
  if (hit !== undefined) return hit;
  const kept: Destination = Object.freeze({ family: d.family, address: ownCopy(d.address), port: d.port });
  if (PINS.size >= 1024) PINS.clear();
  PINS.set(key, kept);
  return kept;
}

/**
 * A reply to the request in flight (docs/opensips-behaviour.md §5 as amended by docs/decisions.md). Replies to other requests (older
 * CSeq, abandoned Call-ID) are ignored. Never throws on bad input: a reply core cannot use leads to
 * INTERNAL_ERROR with the failure back-off.
 */
export function onResponse(
  record: RegistrantRecord,
  event: { response: ReplyMessage; request?: RequestId; destination?: Destination },
  now: number,
  ctx: CoreContext,
): RecordStep {
  const { response } = event;
  const request = event.request ?? requestOf(response);
  if (request === undefined) {
    return unchanged(record, [{ type: "log", level: "debug", message: "reply without Call-ID/CSeq ignored" }]);
  }
  if (!matchesPending(record, request)) return ignoreStale(record, `${describe(response)} reply`, request);
  const status = response.status;
  if (status < 200) return applyTransition(record, "reply-provisional", now, ctx);

  // §4.3: a final reply really received pins the destination it came from, until a timeout or failure.
  let current = record;
  if (event.destination !== undefined && record.pinned === undefined) {
    // A field-by-field copy keeps the records' one V8 shape (a spread would not).
    const pinned = copyRecord(record);
    pinned.pinned = keptDestination(event.destination);
    current = pinned;
  }
  const reason = describe(response);

  if (status < 300) return onSuccess(current, response, now, ctx, reason);
  if (status === 401 || status === 407) return onChallenge(current, response, now, ctx, reason);
  if (status === 423) return onIntervalTooBrief(current, response, now, ctx, reason);
  if (status === 408)
    return applyTransition(current, "reply-timeout", now, ctx, { reason, changes: { pinned: undefined } });
  if (status < 400) return applyTransition(current, "reply-redirect", now, ctx, { reason });
  if (status === 500 || status === 503) {
    // RFC 3261 §21.5.4: a 503 may carry Retry-After; the pin goes so the transport can fail over (RFC 3263 §4.3).
    const changes = status === 503 ? { pinned: undefined } : {};
    const ra = response.getHeader("Retry-After");
    const retryAfter = ra === undefined ? undefined : parseRetryAfter(ra);
    if (retryAfter !== undefined) {
      const actions: RegistrantAction[] = [];
      const seconds = clampInterval(
        retryAfter.seconds,
        maxRetryAfterOf(ctx.params),
        "Retry-After",
        current.config.aor,
        actions,
      );
      return applyTransition(current, "reply-retry-after", now, ctx, { reason, changes, retryAfter: seconds, actions });
    }
    return applyTransition(current, "reply-error", now, ctx, { reason, changes });
  }
  return applyTransition(current, "reply-error", now, ctx, { reason });
}

/**
 * 2xx (decisions: every 2xx is success, RFC 3261 §21.2). Our binding is found among all Contacts with the RFC 3261
 * §19.1.4 comparison; its `expires` param, else the Expires header, is the granted E. A binding for us with expiry 0
 * means the registrar removed it: a failure (decisions). Not listed at all (a registrar rewriting the Contact, #2557):
 * the Expires header if > 0, else E is kept, as OpenSIPS.
 */
function onSuccess(
  record: RegistrantRecord,
  response: ReplyMessage,
  now: number,
  ctx: CoreContext,
  reason: string,
): RecordStep {
  if (record.state === RegistrantState.UNREGISTERING || record.state === RegistrantState.AUTHENTICATING_UNREGISTER) {
    const cleanup = record.pending?.form === "wildcard";
    return applyTransition(record, record.enabled ? "reply-ok-reregister" : "reply-ok-unregistered", now, ctx, {
      reason,
      changes: { afterSingleCleanup: cleanup && record.enabled },
    });
  }
  const auth = applyAuthenticationInfo(record.auth, response.getHeader("Authentication-Info"));
  let base = record;
  if (auth !== record.auth) {
    const copy = copyRecord(record);
    copy.auth = auth;
    base = copy;
  }
  const values = response.getHeaders("Contact");
  if (values.length === 0)
    return applyTransition(base, "reply-ok-no-contact", now, ctx, { reason: `${reason} without Contact` });
  const binding = base.config.binding;
  // Parse only what is needed: a single Contact that is our binding echoed as `<binding>;expires=N` (what registrars
  // send back nearly always) is read as such; anything else goes through the full Contact parser.
  const echoed = values.length === 1 ? echoedContactExpires(values[0] as string, binding) : undefined;
  let count = 1;
  let ours: { readonly params: ReadonlyMap<string, string | null> } | undefined;
  let param: string | null | undefined = echoed;
  if (echoed === undefined) {
    let contacts: ReturnType<typeof parseContacts>;
    try {
      contacts = parseContacts(values);
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      return applyTransition(base, "reply-malformed", now, ctx, {
        reason: `${reason} with a bad Contact: ${e.message}`,
      });
    }
    if (contacts.wildcard) {
      return applyTransition(base, "reply-malformed", now, ctx, { reason: `${reason} with Contact: *` });
    }
    count = contacts.contacts.length;
    // Equal text is an equal URI (RFC 3261 §19.1.4 is reflexive for a URI that parses, and validation parsed the
    // binding), so the URI parsing and comparison run only for a Contact whose text differs.
    let bindingUri: ReturnType<typeof uriOf> | undefined;
    ours = contacts.contacts.find((c) => {
      if (c.uri === binding) return true;
      bindingUri ??= uriOf(base.config);
      return uriEquals(bindingUri, c.uri);
    });
    param = ours?.params.get("expires");
  }
  // Log lines only when there is something to say (a refresh has none): no empty array per 200.
  let actions: RegistrantAction[] | undefined;
  if (base.config.forceSingle && count > 1) {
    if (base.afterSingleCleanup !== true) {
      return applyTransition(base, "reply-ok-force-single", now, ctx, {
        reason: `${reason} with ${count} bindings (FORCE_SINGLE)`,
      });
    }
    actions = [];
    actions.push({
      type: "log",
      level: "warn",
      message: `${base.config.aor}: ${count} bindings remain after the FORCE_SINGLE cleanup; accepted until the next refresh`,
    });
  }
  if (!base.enabled) return applyTransition(base, "reply-ok-disabled", now, ctx, { reason });

  // The Expires header is read only for our binding listed without a parameter (RFC 3261 §10.3): a 200 that does not
  // list our binding at all keeps E, whatever its header says (docs/decisions.md).
  let granted: number | undefined;
  if (echoed !== undefined || ours !== undefined) {
    const fromParam = param === undefined || param === null ? undefined : parseDeltaSeconds(param);
    if (fromParam !== undefined) granted = fromParam;
    else {
      const headerValue = response.getHeader("Expires");
      granted = headerValue === undefined ? undefined : parseDeltaSeconds(headerValue);
    }
    if (granted === 0) {
      return applyTransition(base, "reply-ok-binding-removed", now, ctx, {
        reason: `${reason}: our binding has expires=0`,
      });
    }
    if (granted !== undefined) {
      const max = maxExpiresOf(ctx.params);
      if (granted > max) {
        actions ??= [];
        granted = clampInterval(granted, max, "expires", base.config.aor, actions);
      }
    }
  }
  const expires = granted ?? base.expires;
  if (expires <= ctx.params.timerInterval) {
    actions ??= [];
    actions.push({
      type: "log",
      level: "warn",
      message: `registrar imposed expires ${expires} s ≤ timer_interval ${ctx.params.timerInterval} s for ${base.config.aor}: Please decrease timer_interval`,
    });
  }
  const step = applyTransition(base, "reply-ok", now, ctx, { reason, expires, actions });
  if (!base.refreshAfterReply) return step;
  // A changed row was reloaded while this REGISTER was in flight: send the new one at the next visit.
  const next = copyRecord(step.record);
  next.registrationTimeout = 0;
  next.refreshAfterReply = false;
  return { record: next, actions: step.actions };
}

/**
 * 401/407 (§5, §10; decisions: a stale nonce is answered once; a repeated non-stale challenge is WRONG_CREDENTIALS).
 * A request with preemptive credentials (state 1) that is challenged is simply answered: the nonce had expired.
 */
function onChallenge(
  record: RegistrantRecord,
  response: ReplyMessage,
  now: number,
  ctx: CoreContext,
  reason: string,
): RecordStep {
  if (!record.config.hasCredentials) {
    return applyTransition(record, "reply-auth-no-credentials", now, ctx, { reason: `${reason}, no credentials` });
  }
  const answered = record.pending?.challengeAnswers ?? 0;
  if (answered >= MAX_CHALLENGE_ANSWERS) {
    return applyTransition(record, "reply-auth-rejected", now, ctx, {
      reason: `${reason}: ${answered} challenges already answered in this attempt`,
      changes: { auth: undefined },
      actions: [
        {
          type: "log",
          level: "warn",
          message: `${record.config.aor}: ${reason} after ${answered} answered challenges in one attempt; backing off`,
        },
      ],
    });
  }
  const header = credentialsHeader(response.status);
  const values = response.getHeaders(response.status === 407 ? "Proxy-Authenticate" : "WWW-Authenticate");
  // RFC 3261 §22.3: a request that carried credentials for the other header (a proxy's realm, then the registrar's,
  // or the reverse) keeps them and adds the new answer.
  const kept = record.pending?.authenticated === true ? otherRealm(record.auth, header) : undefined;
  let answer: ReturnType<typeof answerKeeping>;
  let stale: boolean;
  try {
    const challenge = selectChallenge(values);
    stale = challenge.stale;
    answer = answerKeeping(record.config, challenge, header, kept, ctx.random);
  } catch (e) {
    if (!(e instanceof DigestError)) throw e;
    return applyTransition(record, "reply-auth-no-challenge", now, ctx, { reason: `${reason}: ${e.message}` });
  }
  const s = record.state;
  if (s === RegistrantState.REGISTERING)
    return applyTransition(record, "reply-auth-register", now, ctx, { reason, answer });
  if (s === RegistrantState.UNREGISTERING)
    return applyTransition(record, "reply-auth-unregister", now, ctx, { reason, answer });
  const carried = record.auth !== undefined && (record.auth.header === header || record.auth.other?.header === header);
  if (!carried) {
    return applyTransition(
      record,
      s === RegistrantState.AUTHENTICATING ? "reply-auth-realm-register" : "reply-auth-realm-unregister",
      now,
      ctx,
      { reason: `${reason} (a second realm)`, answer },
    );
  }
  if (stale && record.pending?.staleAnswered !== true) {
    return applyTransition(
      record,
      s === RegistrantState.AUTHENTICATING ? "reply-auth-stale-register" : "reply-auth-stale-unregister",
      now,
      ctx,
      {
        reason: `${reason} (stale nonce)`,
        answer,
        staleAnswered: true,
      },
    );
  }
  return applyTransition(record, "reply-auth-rejected", now, ctx, {
    reason: `${reason} to an authenticated request`,
    changes: { auth: undefined },
  });
}

/**
 * 423 (§5): W = Min-Expires and re-send at once when Min-Expires ≥ 5 and above the W just sent (a registrar that
 * keeps answering 423 to what it asked for would otherwise loop); REGISTRAR_ERROR otherwise, and always for an
 * unREGISTER (OpenSIPS quirk 14 sends a REGISTER there; an expiry of 0 cannot be too brief).
 */
function onIntervalTooBrief(
  record: RegistrantRecord,
  response: ReplyMessage,
  now: number,
  ctx: CoreContext,
  reason: string,
): RecordStep {
  const value = response.getHeader("Min-Expires");
  const min = value === undefined ? undefined : parseDeltaSeconds(value);
  const sent = record.pending?.expires ?? record.wantedExpires;
  const usable =
    (record.state === RegistrantState.REGISTERING || record.state === RegistrantState.AUTHENTICATING) &&
    min !== undefined &&
    min >= MIN_MIN_EXPIRES &&
    min > sent;
  if (!usable) return applyTransition(record, "reply-interval-unusable", now, ctx, { reason });
  // A disabled record (MI disable or delete during the exchange) wants no registration: the re-send stops here.
  if (!record.enabled) {
    return applyTransition(record, "reply-interval-unusable", now, ctx, { reason: `${reason}, record disabled` });
  }
  const actions: RegistrantAction[] = [];
  const wanted = clampInterval(min, maxExpiresOf(ctx.params), "Min-Expires", record.config.aor, actions);
  if (!(wanted > sent)) {
    return applyTransition(record, "reply-interval-unusable", now, ctx, {
      reason: `${reason}, Min-Expires ${min} above max_expires`,
      actions,
    });
  }
  const resent = record.pending?.intervalResends ?? 0;
  if (resent >= MAX_INTERVAL_RESENDS) {
    return applyTransition(record, "reply-interval-unusable", now, ctx, {
      reason: `${reason}, Min-Expires ${min} after ${resent} re-sends in this attempt`,
      actions: [
        {
          type: "log",
          level: "warn",
          message: `${record.config.aor}: 423 with Min-Expires ${min} after ${resent} re-sends in one attempt; backing off`,
        },
      ],
    });
  }
  return applyTransition(record, "reply-interval-too-brief", now, ctx, {
    reason: `${reason}, Min-Expires ${min}`,
    changes: { wantedExpires: wanted },
    actions,
  });
}
