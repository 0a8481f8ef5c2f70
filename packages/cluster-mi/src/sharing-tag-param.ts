import { MiError } from "@uacreg/mi";

/**
 * The `tag` parameter of `clusterer_shtag_set_active`, read as OpenSIPS's clusterer reads it (docs/cluster.md §7):
 * split at the first `/`, blanks trimmed around both parts, the cluster id all decimal digits.
 * @throws MiError 400 "Bad tag format <name/cluster_id>" without a `/`, 400 "Bad cluster ID in tag" for a bad id
 */
export function parseSharingTagParam(value: string): { tag: string; clusterId: number } {
  const slash = value.indexOf("/");
  if (slash < 0) throw MiError.command(400, "Bad tag format <name/cluster_id>");
  const tag = value.slice(0, slash).trim();
  const id = value.slice(slash + 1).trim();
  if (!/^[0-9]{1,9}$/.test(id)) throw MiError.command(400, "Bad cluster ID in tag");
  return { tag, clusterId: Number(id) };
}
