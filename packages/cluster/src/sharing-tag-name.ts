import { formatSharingTag, parseSharingTag, type SharingTag } from "@uacreg/core";
import { SharingTagError } from "./sharing-tag-error.js";

/**
 * The canonical `name/cluster_id` of a tag given by an operator (MI, configuration), with the whitespace trimmed as
 * core reads the `cluster_shtag` column (docs/opensips-behaviour.md §2.1, §7): `" vip / 1 "` → `"vip/1"`.
 * @throws SharingTagError when the text is not `name/cluster_id`
 */
export function normalizeSharingTag(text: string): string {
  const parsed = parseSharingTag(text);
  if (typeof parsed === "string") throw new SharingTagError(text, parsed);
  return formatSharingTag(parsed);
}

/** The canonical name of a record's parsed tag (the `cluster_shtag` column), to compare with a normalized one. */
export function sharingTagName(tag: SharingTag): string {
  return `${tag.name}/${tag.clusterId}`;
}
