/**
 * `cluster.backend: static` (docs/cluster.md §7): OpenSIPS-compatible sharing-tag states kept in this process only.
 * They start from `cluster.active_tags`, change through `clusterer_shtag_set_active` (applied here at once, no other
 * node is told: docs/opensips-behaviour.md §7) and through SIGHUP, which re-reads the file and applies the
 * differences of `active_tags` since the last read.
 */
import { normalizeSharingTag, unitOfTag } from "@uacreg/cluster";
import type { ActivationResult, ClusterControl, ClusterStatusView, SharingTagState } from "@uacreg/cluster-mi";
import type { RegistrantEngine } from "@uacreg/engine";
import type { Logger } from "@uacreg/runtime";
import { knownSharingTags } from "./known-sharing-tags.js";

/** What a SIGHUP changed. */
export interface TagChanges {
  activated: string[];
  deactivated: string[];
}

export class StaticCluster implements ClusterControl {
  readonly #active: Set<string>;
  /** `active_tags` as the configuration file last gave them. */
  #fromFile: Set<string>;

  /**
   * @param configured `cluster.active_tags` (canonical)
   * @param engine the engine once the records are loading (before that, changes only update the set it starts with)
   */
  constructor(
    readonly nodeName: string,
    configured: readonly string[],
    private readonly engine: () => RegistrantEngine | undefined,
    private readonly log: Logger,
  ) {
    this.#active = new Set(configured);
    this.#fromFile = new Set(configured);
  }

  /** The tags active here now (the engine starts with these). */
  activeTags(): string[] {
    return [...this.#active];
  }

  /** SIGHUP: `tags` is `cluster.active_tags` re-read from the file; the differences from the last read are applied. */
  applyConfiguredTags(tags: readonly string[]): TagChanges {
    const next = new Set(tags);
    const activated = [...next].filter((t) => !this.#fromFile.has(t));
    const deactivated = [...this.#fromFile].filter((t) => !next.has(t));
    this.#fromFile = next;
    for (const tag of activated) this.#set(tag, "active");
    for (const tag of deactivated) this.#set(tag, "backup");
    if (activated.length > 0 || deactivated.length > 0) {
      this.log.info({ activated, deactivated }, "sharing tags changed by the configuration");
    }
    return { activated, deactivated };
  }

  sharingTags(): readonly SharingTagState[] {
    return knownSharingTags(this.#active, this.#units().keys()).map((t) => ({
      tag: t.name,
      clusterId: t.clusterId,
      state: this.#active.has(`${t.name}/${t.clusterId}`) ? "active" : "backup",
    }));
  }

  hasCluster(clusterId: number): boolean {
    return knownSharingTags([...this.#active, ...this.#fromFile], this.#units().keys()).some(
      (t) => t.clusterId === clusterId,
    );
  }

  async activateTag(tag: string, clusterId: number): Promise<ActivationResult> {
    this.#set(normalizeSharingTag(`${tag}/${clusterId}`), "active");
    return "applied";
  }

  status(): ClusterStatusView {
    const units = this.#units();
    return {
      node: { name: this.nodeName, incarnation: "static", state: "static", backend: "static" },
      members: [],
      leases: knownSharingTags(this.#active, units.keys()).map((t) => {
        const name = `${t.name}/${t.clusterId}`;
        const unit = unitOfTag(name);
        const owner = this.#active.has(name) ? { owner: this.nodeName } : {};
        return { unit, ...owner, epoch: 0, records: units.get(unit) ?? 0 };
      }),
    };
  }

  /** Every active tag becomes backup here (its records stop, nothing is unregistered). */
  async drain(): Promise<{ readonly released: number }> {
    const tags = [...this.#active];
    for (const tag of tags) this.#set(tag, "backup");
    return { released: tags.length };
  }

  #set(tag: string, state: "active" | "backup"): void {
    const was = this.#active.has(tag);
    if (state === "active") this.#active.add(tag);
    else this.#active.delete(tag);
    if (was !== (state === "active")) this.log.info({ tag, state, reason: "static" }, "sharing tag state changed");
    this.engine()?.setTagState(tag, state);
  }

  #units(): Map<string, number> {
    return this.engine()?.unitRecords() ?? new Map();
  }
}
