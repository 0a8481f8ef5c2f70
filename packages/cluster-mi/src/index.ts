/**
 * @uacreg/cluster-mi: the OpenSIPS clusterer sharing-tag MI commands and uacreg's cluster commands
 * (docs/cluster.md §7) on an @uacreg/mi registry, over the {@link ClusterControl} interface.
 */
export type { ActivationResult, ClusterControl, ClusterStatusView, SharingTagState } from "./cluster-control.js";
export {
  CLUSTERER_MODULE,
  type ClusterCommandsOptions,
  type ClusterMiCallReport,
  type ClusterMiObserver,
  registerClusterCommands,
} from "./cluster-commands.js";
export { parseSharingTagParam } from "./sharing-tag-param.js";
