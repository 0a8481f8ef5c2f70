/**
 * The clusterer MI commands uacreg answers (docs/cluster.md §7): OpenSIPS 3.x's `clusterer_list_shtags` and
 * `clusterer_shtag_set_active` with their 4.x `clusterer:` aliases, replies and errors as OpenSIPS gives them, and
 * uacreg's `cluster_status` and `cluster_drain`.
 */
import { type MiCommand, MiError, type MiParams, type MiRegistry, type MiTransport } from "@uacreg/mi";
import type { ClusterControl } from "./cluster-control.js";
import { parseSharingTagParam } from "./sharing-tag-param.js";

/** The module `help` shows and the prefix of the 4.x aliases. */
export const CLUSTERER_MODULE = "clusterer";

/** What an observer learns of one cluster command call (the daemon counts it and logs the ones that change something). */
export interface ClusterMiCallReport {
  /** True for `clusterer_shtag_set_active` and `cluster_drain`. */
  readonly changes: boolean;
  /** The `tag` parameter as given (`name/cluster_id`), when the call had one. */
  readonly tag?: string;
  /** The error the call answered, when it failed (-32000 for a handler that threw something else). */
  readonly error?: { readonly code: number; readonly message: string };
  readonly transport: MiTransport;
}

/** Called once per call with the command's flat name, "ok" or "error", and the {@link ClusterMiCallReport}. */
export type ClusterMiObserver = (command: string, outcome: "ok" | "error", call: ClusterMiCallReport) => void;

/** Options of {@link registerClusterCommands}. */
export interface ClusterCommandsOptions {
  readonly observe?: ClusterMiObserver;
}

const CHANGING_COMMANDS: ReadonlySet<string> = new Set(["clusterer_shtag_set_active", "cluster_drain"]);

/** Registers `clusterer_list_shtags`, `clusterer_shtag_set_active`, `cluster_status` and `cluster_drain`. */
export function registerClusterCommands(
  registry: MiRegistry,
  control: ClusterControl,
  options: ClusterCommandsOptions = {},
): void {
  const mod = CLUSTERER_MODULE;
  const add = (command: MiCommand): void => registry.register(observed(command, options.observe));
  add({
    name: "clusterer_list_shtags",
    aliases: [`${mod}:list_shtags`],
    module: mod,
    help: "lists the sharing tags and their state on this node",
    recipes: [[]],
    handler: () => control.sharingTags().map((t) => ({ Tag: t.tag, Cluster: t.clusterId, State: t.state })),
  });
  add({
    name: "clusterer_shtag_set_active",
    aliases: [`${mod}:shtag_set_active`],
    module: mod,
    help: "makes a sharing tag (name/cluster_id) active on this node and backup on the others",
    recipes: [["tag"]],
    handler: async (p) => {
      const { tag, clusterId } = parseSharingTagParam(p.string("tag"));
      if (!control.hasCluster(clusterId)) throw MiError.command(404, "Cluster ID not found");
      try {
        await control.activateTag(tag, clusterId);
      } catch (e) {
        throw MiError.command(500, "Internal failure when activating tag", e instanceof Error ? e.message : undefined);
      }
      return "OK";
    },
  });
  add({
    name: "cluster_status",
    module: mod,
    help: "this node's cluster view: name, incarnation, state, trust left, members and leases (uacreg addition)",
    recipes: [[]],
    handler: () => statusReply(control),
  });
  add({
    name: "cluster_drain",
    module: mod,
    help: "hands every unit of this node to the other nodes and takes none until restart (uacreg addition)",
    recipes: [[]],
    handler: async () => {
      try {
        const { released } = await control.drain();
        return { Released: released };
      } catch (e) {
        throw MiError.command(500, "Drain failed", e instanceof Error ? e.message : undefined);
      }
    },
  });
}

function statusReply(control: ClusterControl): unknown {
  const s = control.status();
  const node: Record<string, unknown> = {
    Name: s.node.name,
    Incarnation: s.node.incarnation,
    State: s.node.state,
    Backend: s.node.backend,
  };
  if (s.node.trustLeftMs !== undefined) node["Trust left ms"] = Math.max(0, Math.round(s.node.trustLeftMs));
  if (s.node.dbClockOffsetMs !== undefined) node["DB clock offset ms"] = Math.round(s.node.dbClockOffsetMs);
  return {
    Node: node,
    Members: s.members.map((m) => ({ Name: m.name, Incarnation: m.incarnation, Address: m.address, Live: m.live })),
    Leases: s.leases.map((l) => {
      const lease: Record<string, unknown> = { Unit: l.unit, Owner: l.owner ?? null, Epoch: l.epoch };
      if (l.preferred !== undefined) lease.Preferred = l.preferred;
      lease.Records = l.records;
      return lease;
    }),
  };
}

/** The command with each call reported to `observe` (unchanged without one). */
function observed(command: MiCommand, observe: ClusterMiObserver | undefined): MiCommand {
  if (!observe) return command;
  const handler = command.handler;
  const changes = CHANGING_COMMANDS.has(command.name);
  const report = (p: MiParams, transport: MiTransport, error?: ClusterMiCallReport["error"]): ClusterMiCallReport => {
    const tag = p.has("tag") ? p.raw("tag") : undefined;
    return {
      changes,
      transport,
      ...(typeof tag === "string" ? { tag: tag.slice(0, 200) } : {}),
      ...(error ? { error } : {}),
    };
  };
  return {
    ...command,
    handler: async (p, ctx) => {
      try {
        const result = await handler(p, ctx);
        observe(command.name, "ok", report(p, ctx.transport));
        return result;
      } catch (e) {
        const error = e instanceof MiError ? { code: e.code, message: e.message } : { code: -32000, message: "failed" };
        observe(command.name, "error", report(p, ctx.transport, error));
        throw e;
      }
    },
  };
}
