/**
 * The `cluster_shtag` column: `name/cluster_id` (docs/opensips-behaviour.md §2.1, §7). Whitespace around both parts is trimmed and the
 * cluster id must be a decimal integer.
 */
export interface SharingTag {
  readonly name: string;
  readonly clusterId: number;
}

/** Parses `name/cluster_id`; returns a reason string when the text is not one. */
export function parseSharingTag(text: string): SharingTag | string {
  const slash = text.indexOf("/");
  if (slash < 0) return `"${text}" is not name/cluster_id (no "/")`;
  const name = text.slice(0, slash).trim();
  const id = text.slice(slash + 1).trim();
  if (name === "") return `"${text}" has an empty tag name`;
  if (!/^\d{1,9}$/.test(id)) return `cluster id "${id}" is not numeric`;
  return { name, clusterId: Number(id) };
}

/** `name/cluster_id`, the form the engine's setTagState takes. */
export function formatSharingTag(tag: SharingTag): string {
  return `${tag.name}/${tag.clusterId}`;
}
