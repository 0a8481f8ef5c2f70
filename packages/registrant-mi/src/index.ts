/**
 * @uacreg/registrant-mi: the OpenSIPS uac_registrant MI commands (docs/opensips-behaviour.md §9) on an @uacreg/mi
 * registry, over the {@link RegistrantService} interface that the engine satisfies.
 */
export { type RegListRecord, regListRecord } from "./reg-list-record.js";
export {
  KEY_RECIPE,
  type MiCallReport,
  type MiObserver,
  REGISTRANT_MODULE,
  type RegistrantCommandsOptions,
  registerRegistrantCommands,
  UPSERT_RECIPE,
} from "./registrant-commands.js";
export type { RegistrantService, RegistrantServiceSource } from "./registrant-service.js";
