/**
 * The `reg_list` record shape of OpenSIPS uac_registrant (docs/opensips-behaviour.md §9): fields in this order,
 * optional ones only when there is data, `expires` the granted E as a number, `state` the name, `enabled` "yes"/"no",
 * times in C `ctime()` text. The password is never part of it.
 */
import type { RecordView } from "@uacreg/engine";
import { formatCtime } from "@uacreg/mi";

/** One `reg_list` record as it goes on the wire. */
export type RegListRecord = Record<string, string | number>;

/**
 * Formats one record view.
 * @param utc print the times in UTC instead of the server's local time zone (OpenSIPS uses local time).
 */
export function regListRecord(v: RecordView, utc = false): RegListRecord {
  const rec: RegListRecord = {
    AOR: v.aor,
    expires: v.expires,
    state: v.stateName,
    enabled: v.enabled ? "yes" : "no",
    last_register_sent: formatCtime(v.lastRegisterSent, utc),
    registration_t_out: formatCtime(v.registrationTimeout, utc),
    registrar: v.registrar,
    binding: v.contact,
  };
  if (v.bindingParams) rec.binding_params = v.bindingParams;
  if (v.thirdPartyRegistrant) rec.third_party_registrant = v.thirdPartyRegistrant;
  if (v.socket) rec.socket = v.socket;
  if (v.proxy) rec.proxy = v.proxy;
  if (v.pinned) {
    rec.dst_IP = v.pinned.family;
    rec.ip = v.pinned.address;
  }
  if (v.shtag) {
    rec.shtag = v.shtag;
    if (v.clusterId !== undefined) rec.cluster_id = v.clusterId;
  }
  return rec;
}
