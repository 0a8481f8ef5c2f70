/**
 * @uacreg/events: OpenSIPS's Event Interface for uacreg (docs/events.md): published events, subscribers added with
 * `event_subscribe` and expiring as OpenSIPS's do, delivery as JSON-RPC notifications over `udp:` datagrams
 * (event_datagram) and `tcp:` / `stream:` connections (event_stream), and the `E_REGISTRANT_*` events.
 */
export { DatagramSender, MAX_DATAGRAM_BYTES } from "./datagram-sender.js";
export { EVI_MODULE, registerEventCommands } from "./event-commands.js";
export {
  DEFAULT_SUBSCRIPTION_EXPIRE,
  type EventCounters,
  EventInterface,
  type EventInterfaceOptions,
  EventSubscribeError,
  type EventView,
  type HostResolver,
  type SubscriberView,
} from "./event-interface.js";
export { type EventParams, type EventParamValue, eventPayload } from "./event-payload.js";
export { type EventSender, type ResolvedTarget, type SenderCounters, emptySenderCounters } from "./event-sender.js";
export {
  publishRegistrantEvents,
  REGISTRANT_EVENTS,
  raiseRegistrantEvent,
  raiseStatusChanged,
  registrantEventName,
  SR_STATUS_CHANGED_EVENT,
} from "./registrant-events.js";
export { StreamSender, type StreamSenderOptions } from "./stream-sender.js";
export {
  type EventTransportName,
  parseSubscriberSocket,
  printSubscriberSocket,
  type SubscriberSocket,
  SubscriberSocketError,
  sameSubscriber,
} from "./subscriber-socket.js";
