/**
 * The status/report MI commands of the OpenSIPS core (docs/events.md §4): `sr_get_status`, `sr_list_status`,
 * `sr_list_reports` and `sr_list_identifiers`, with their 4.x `status_report:` names, the same recipes, reply shapes
 * and errors. A group's identifier list is printed item by item ({@link MiSlicedArray}): 100,000 records are one
 * large reply written in slices, never one string.
 */
import { formatCtime, type MiCommand, MiError, type MiParams, type MiRegistry, MiSlicedArray } from "@uacreg/mi";
import { MAIN_IDENTIFIER, type SrGroup, type StatusReports } from "./sr-group.js";
import { SR_STATUS_NOT_READY, SR_STATUS_READY, type SrReport, type SrStatus } from "./sr-status.js";

/** The module `help` shows and the prefix of the 4.x names. */
export const STATUS_REPORT_MODULE = "status_report";

export interface StatusReportCommandOptions {
  /** Print the reports' `Date` in UTC instead of the local zone (OpenSIPS uses `ctime`: local time). */
  readonly utcDates?: boolean;
}

/** Registers the four `sr_*` commands on `registry`, reading `reports`. */
export function registerStatusReportCommands(
  registry: MiRegistry,
  reports: StatusReports,
  options: StatusReportCommandOptions = {},
): void {
  const mod = STATUS_REPORT_MODULE;
  const add = (c: MiCommand): void => registry.register(c);
  const utc = options.utcDates === true;
  add({
    name: "sr_get_status",
    aliases: [`${mod}:get`],
    module: mod,
    help: "gets the status (only) of a 'status-report' group/identifier",
    recipes: [["group"], ["group", "identifier"]],
    handler: async (p) => getStatus(groupOf(reports, p), p.optionalString("identifier")),
  });
  add({
    name: "sr_list_status",
    aliases: [`${mod}:status`],
    module: mod,
    help: "list the status of all the identifiers in OpenSIPS or from a certain 'status-report' group",
    recipes: [[], ["group"]],
    handler: async (p) => {
      if (p.has("group")) return await statusList(groupOf(reports, p));
      return allGroups(
        await Promise.all(reports.groups().map(async (g) => ({ Name: g.name, Identifiers: await statusList(g) }))),
      );
    },
  });
  add({
    name: "sr_list_reports",
    aliases: [`${mod}:reports`],
    module: mod,
    help: "list the reports produced by some 'status-report' identifiers / groups",
    recipes: [[], ["group"], ["group", "identifier"]],
    handler: async (p) => {
      if (!p.has("group")) {
        return allGroups(
          await Promise.all(
            reports.groups().map(async (g) => ({ Name: g.name, Identifiers: await reportList(g, utc) })),
          ),
        );
      }
      const group = groupOf(reports, p);
      if (!p.has("identifier")) return await reportList(group, utc);
      const identifier = group.find(p.string("identifier"));
      if (identifier === undefined) throw MiError.command(404, "Identifier not found");
      return group.reports(identifier).map((r) => reportItem(r, utc));
    },
  });
  add({
    name: "sr_list_identifiers",
    aliases: [`${mod}:identifiers`],
    module: mod,
    help: "list the identifiers from a group or all",
    recipes: [[], ["group"]],
    handler: async (p) => {
      if (p.has("group")) return await identifierList(groupOf(reports, p));
      return allGroups(await Promise.all(reports.groups().map(identifierList)));
    },
  });
}

/**
 * The forms without a group: one item per group; each group's own list is a sliced array too, so a large table is
 * written in slices inside its group's item (docs/events.md §4).
 */
function allGroups(items: readonly unknown[]): MiSlicedArray {
  return new MiSlicedArray(items.length, (i) => items[i]);
}

function groupOf(reports: StatusReports, p: MiParams): SrGroup {
  const group = reports.get(p.string("group"));
  if (group === undefined) throw MiError.command(404, "Group not found");
  return group;
}

/** `{Readiness, Status, Details}` of one identifier, `main` when none is named, or the aggregate for "all". */
async function getStatus(group: SrGroup, named: string | undefined): Promise<unknown> {
  if (named !== undefined && named.toLowerCase() === "all") {
    await group.prepare?.();
    let status = SR_STATUS_READY;
    for (const id of group.identifiers()) if ((group.status(id)?.status ?? 0) < 0) status = SR_STATUS_NOT_READY;
    return { Readiness: status >= 0, Status: status, Details: "aggregated" };
  }
  const identifier = group.find(named ?? MAIN_IDENTIFIER);
  const status = identifier === undefined ? undefined : group.status(identifier);
  if (status === undefined) throw MiError.command(404, "Identity not found");
  return statusObject(undefined, status);
}

function statusObject(name: string | undefined, s: SrStatus): Record<string, unknown> {
  const out: Record<string, unknown> = name === undefined ? {} : { Name: name };
  out.Readiness = s.status >= 0;
  out.Status = s.status;
  if (s.details !== undefined) out.Details = s.details;
  return out;
}

async function statusList(group: SrGroup): Promise<MiSlicedArray> {
  await group.prepare?.();
  const ids = group.identifiers();
  return new MiSlicedArray(ids.length, (i) => {
    const name = ids[i] ?? "";
    return statusObject(name, group.status(name) ?? { status: SR_STATUS_NOT_READY });
  });
}

function reportItem(r: SrReport, utc: boolean): unknown {
  return { Timestamp: r.at, Date: formatCtime(r.at, utc), Log: r.log };
}

async function reportList(group: SrGroup, utc: boolean): Promise<MiSlicedArray> {
  await group.prepare?.();
  const ids = group.identifiers();
  return new MiSlicedArray(ids.length, (i) => {
    const name = ids[i] ?? "";
    return { Name: name, Reports: group.reports(name).map((r) => reportItem(r, utc)) };
  });
}

async function identifierList(group: SrGroup): Promise<unknown> {
  await group.prepare?.();
  const ids = group.identifiers();
  return { Group: group.name, Identifiers: new MiSlicedArray(ids.length, (i) => ids[i]) };
}
