/**
 * The sharing tags a node knows (docs/cluster.md §5, docs/opensips-behaviour.md §7): those of the configuration
 * (`cluster.active_tags`) and those the loaded records name (their units `tag:name/cluster_id`), for
 * `clusterer_list_shtags` and the "Cluster ID not found" check of `clusterer_shtag_set_active`.
 */
import { parseSharingTag, type SharingTag } from "@uacreg/core";

const TAG_UNIT = "tag:";

/** The canonical `name/cluster_id` of a `tag:` unit, or undefined for another unit (a bucket). */
export function tagOfUnit(unit: string): string | undefined {
  return unit.startsWith(TAG_UNIT) ? unit.slice(TAG_UNIT.length) : undefined;
}

/**
 * Every known tag, parsed, sorted by cluster id then name (a stable order for `clusterer_list_shtags`).
 * @param configured canonical tags of the configuration
 * @param units the units in use by loaded records (the engine's `unitRecords()` keys)
 */
export function knownSharingTags(configured: Iterable<string>, units: Iterable<string>): SharingTag[] {
  const names = new Set(configured);
  for (const unit of units) {
    const tag = tagOfUnit(unit);
    if (tag !== undefined) names.add(tag);
  }
  const tags: SharingTag[] = [];
  for (const name of names) {
    const tag = parseSharingTag(name);
    if (typeof tag !== "string") tags.push(tag);
  }
  return tags.sort((a, b) => a.clusterId - b.clusterId || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
