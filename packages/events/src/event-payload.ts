/**
 * The bytes OpenSIPS sends to an event subscriber (docs/events.md §2): a JSON-RPC 2.0 notification printed without
 * blanks, members in the order `jsonrpc`, `method`, `params`, no `id` (event_datagram always, event_stream unless its
 * reliable mode is on), `params` an object of the event's named parameters in their declared order.
 */

/** An event parameter value: OpenSIPS's events carry strings and integers. */
export type EventParamValue = string | number;

/** The named parameters of one raised event, in order. */
export type EventParams = Readonly<Record<string, EventParamValue>>;

/** `{"jsonrpc":"2.0","method":<method>,"params":{…}}`; `params` left out when the event has none, as OpenSIPS does. */
export function eventPayload(method: string, params: EventParams | undefined): string {
  const head = `{"jsonrpc":"2.0","method":${JSON.stringify(method)}`;
  if (params === undefined || Object.keys(params).length === 0) return `${head}}`;
  return `${head},"params":${JSON.stringify(params)}}`;
}
