/**
 * `clustering.active_tags`: the sharing tags active on this node, `name/cluster_id` as the `cluster_shtag` column
 * writes them (docs/opensips-behaviour.md §7), checked by @uacreg/core's `parseSharingTag`.
 */
import { formatSharingTag, parseSharingTag } from "@uacreg/core";
import { ConfigError } from "./config-error.js";
import { refuseUnknownKeys, type YamlMapping } from "./yaml-mapping.js";

export function readClustering(c: YamlMapping): { active_tags: string[] } {
  refuseUnknownKeys(c, ["active_tags"], "clustering.");
  const tagsRaw = c.active_tags ?? [];
  if (!Array.isArray(tagsRaw)) throw new ConfigError("clustering.active_tags", tagsRaw, "must be a list of name/id");
  const active_tags = tagsRaw.map((t, i) => {
    const key = `clustering.active_tags[${i}]`;
    if (typeof t !== "string") throw new ConfigError(key, t, "must be tag/cluster_id (e.g. vip/1)");
    const tag = parseSharingTag(t);
    if (typeof tag === "string") throw new ConfigError(key, t, `must be tag/cluster_id (e.g. vip/1): ${tag}`);
    return formatSharingTag(tag);
  });
  return { active_tags };
}
