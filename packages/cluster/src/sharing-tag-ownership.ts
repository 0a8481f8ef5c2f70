import type { SharingTag } from "@uacreg/core";
import { normalizeSharingTag, sharingTagName } from "./sharing-tag-name.js";

/** Options of {@link SharingTagOwnership}. */
export interface SharingTagOwnershipOptions {
  /** `enable_clustering` (docs/opensips-behaviour.md §1, §7). */
  readonly clustering: boolean;
  /** Tags (`name/cluster_id`) active on this node at start. */
  readonly activeTags?: Iterable<string>;
}

/** The warning logged once when a sharing tag is met while clustering is off (docs/decisions.md). */
export const TAGS_IGNORED_WARNING =
  "enable_clustering is off: sharing tags (cluster_shtag) are ignored, every record registers";

/**
 * Which sharing tags this node owns (docs/opensips-behaviour.md §7): a record whose `cluster_shtag` is not active here
 * is not registered from this node. With clustering off every record registers and tags are ignored, with one warning
 * (docs/decisions.md). Pure: no I/O, no clock; the engine asks it and logs what it decides.
 */
export class SharingTagOwnership {
  readonly clustering: boolean;
  readonly #active = new Set<string>();
  #warned = false;

  /** @throws SharingTagError when an active tag is not `name/cluster_id` */
  constructor(options: SharingTagOwnershipOptions) {
    this.clustering = options.clustering;
    for (const tag of options.activeTags ?? []) this.#active.add(normalizeSharingTag(tag));
  }

  /**
   * May a record with this tag register from this node? True without clustering, without a tag, for cluster id 0,
   * or when the tag is active here.
   */
  owns(tag: SharingTag | undefined): boolean {
    if (!this.clustering || tag === undefined || tag.clusterId <= 0) return true;
    return this.#active.has(sharingTagName(tag));
  }

  /**
   * A tag changed state on this node. Returns its canonical name, or undefined when clustering is off (the change is
   * ignored; see {@link warnIgnored}).
   * @throws SharingTagError when the tag is not `name/cluster_id` (also with clustering off)
   */
  setState(tag: string, state: "active" | "backup"): string | undefined {
    const name = normalizeSharingTag(tag);
    if (!this.clustering) return undefined;
    if (state === "active") this.#active.add(name);
    else this.#active.delete(name);
    return name;
  }

  /** Whether a record's parsed tag is the tag of that canonical name. */
  matches(tag: SharingTag | undefined, name: string): boolean {
    return tag !== undefined && sharingTagName(tag) === name;
  }

  /**
   * Whether the "tags ignored" warning is due: true the first time a tag is met (a tagged record loaded, a tag
   * change) while clustering is off, false ever after and whenever clustering is on.
   */
  warnIgnored(): boolean {
    if (this.clustering || this.#warned) return false;
    this.#warned = true;
    return true;
  }

  /** The active tags, canonical, in the order they became active. */
  activeTags(): string[] {
    return [...this.#active];
  }
}
