/**
 * The OpenSIPS cluster MI commands as an operator's tool sends them to a node of a cluster (docs/cluster.md §7,
 * docs/opensips-behaviour.md §7): one JSON-RPC request in opensips-cli's shape (positional params, strings) over the
 * node's MI HTTP, and the errors OpenSIPS's clusterer gives for a bad `clusterer_shtag_set_active` tag.
 */
import { expect } from "vitest";
import type { ClusterNode } from "./cluster-nodes.js";

/** The parsed JSON-RPC reply. */
export interface CliReply {
  result?: unknown;
  error?: { code: number; message: string };
}

/** One JSON-RPC request as opensips-cli sends it (positional params, strings); the parsed reply. */
export async function opensipsCli(node: ClusterNode, method: string, params: string[] = []): Promise<CliReply> {
  const r = await node.daemon.http(JSON.stringify({ jsonrpc: "2.0", method, id: 1, params }));
  return JSON.parse(r.body) as CliReply;
}

/** OpenSIPS's errors: 400 for a tag without a cluster id, 404 for a cluster no tag names. */
export async function expectOpenSipsTagErrors(node: ClusterNode): Promise<void> {
  expect((await opensipsCli(node, "clusterer_shtag_set_active", ["t0"])).error).toEqual({
    code: 400,
    message: "Bad tag format <name/cluster_id>",
  });
  expect((await opensipsCli(node, "clusterer_shtag_set_active", ["t0/9"])).error).toEqual({
    code: 404,
    message: "Cluster ID not found",
  });
}
