/**
 * The `reg_list` record shape of OpenSIPS (reference §9): fields in this order, optional ones only when there is data,
 * `expires` the granted E as a number, `state` the name, `enabled` "yes"/"no", times in ctime format. The password
 * is never part of it.
 */
import type { RecordView } from "@uacreg/engine";
import { formatCtime as ctime } from "@uacreg/mi";

export type RegListRecord = Record<string, string | number>;

export function regListRecord(v: RecordView): RegListRecord {
  const rec: RegListRecord = {
    AOR: v.aor,
    expires: v.expires,
    state: v.stateName,
    enabled: v.enabled ? "yes" : "no",
    last_register_sent: ctime(v.lastRegisterSent),
    registration_t_out: ctime(v.registrationTimeout),
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
