// Summarises a V8 heap snapshot (.heapsnapshot, as `node --heapsnapshot-signal` writes it) by what holds the bytes:
//
//   node --max-old-space-size=8192 test/bench/memory/heap-summary.mjs <file.heapsnapshot> [--per=100000] [--top=40]
//        [--base=<smaller.heapsnapshot>]
//
// Two tables: self size by node type and constructor name (what V8's "Summary" view shows), and self size by OWNER:
// each string, array, number or internal node is charged to the nearest object (a class instance, a Map, a closure)
// that retains it, following the first strong retainer up to 6 hops; the owner is named `Class.property`. With --per
// the bytes are also divided by that number (bytes per record). With --base (a snapshot of the same build at fewer
// records), each row is the difference: with --per = the difference in records, the bytes per ADDED record, the
// fixed costs (code, modules) cancelled out. A heuristic, not a dominator tree: good enough to see
// which structure holds the bytes per record.
import { readFileSync } from "node:fs";

const file = process.argv[2];
const optStr = (name) => process.argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3);
const PER = Number(optStr("per") ?? 0);
const TOP = Number(optStr("top") ?? 40);

function summarise(file) {
  const snap = JSON.parse(readFileSync(file, "utf8"));
  const meta = snap.snapshot.meta;
  const NF = meta.node_fields.length;
  const EF = meta.edge_fields.length;
  const nTypes = meta.node_types[0];
  const eTypes = meta.edge_types[0];
  const iType = meta.node_fields.indexOf("type");
  const iName = meta.node_fields.indexOf("name");
  const iSize = meta.node_fields.indexOf("self_size");
  const iEdges = meta.node_fields.indexOf("edge_count");
  const eType = meta.edge_fields.indexOf("type");
  const eName = meta.edge_fields.indexOf("name_or_index");
  const eTo = meta.edge_fields.indexOf("to_node");
  const { nodes, edges, strings } = snap;
  const count = nodes.length / NF;

  // first strong retainer of each node, and the edge's name
  const retainer = new Int32Array(count).fill(-1);
  const retEdge = new Int32Array(count).fill(-1);
  let e = 0;
  for (let n = 0; n < count; n++) {
    const ec = nodes[n * NF + iEdges];
    for (let k = 0; k < ec; k++, e += EF) {
      const t = eTypes[edges[e + eType]];
      if (t === "weak" || t === "shortcut") continue;
      const to = edges[e + eTo] / NF;
      if (retainer[to] === -1) {
        retainer[to] = n;
        retEdge[to] = e;
      }
    }
  }

  const typeOf = (n) => nTypes[nodes[n * NF + iType]];
  const nameOf = (n) => strings[nodes[n * NF + iName]];
  const edgeName = (ed) => {
    const t = eTypes[edges[ed + eType]];
    return t === "element" || t === "hidden" ? `[${t}]` : String(strings[edges[ed + eName]]);
  };
  const INTERNAL = new Set([
    "array",
    "string",
    "concatenated string",
    "sliced string",
    "number",
    "hidden",
    "code",
    "heap number",
  ]);
  // buffers, Maps and Sets are charged to what holds them (the class whose field they are), not to themselves
  const NOT_OWNERS = new Set([
    "Object",
    "Array",
    "Map",
    "Set",
    "system / Context",
    "ArrayBuffer",
    "DataView",
    "Buffer",
    "FastBuffer",
  ]);
  const isOwner = (n) => {
    const t = typeOf(n);
    if (t === "closure") return true;
    if (t !== "object") return false;
    const name = nameOf(n);
    return !NOT_OWNERS.has(name) && !name.endsWith("Array") && !name.startsWith("(");
  };

  const byType = new Map();
  const byOwner = new Map();
  let total = 0;
  const add = (m, k, size) => {
    const v = m.get(k) ?? { size: 0, count: 0 };
    v.size += size;
    v.count++;
    m.set(k, v);
  };
  for (let n = 0; n < count; n++) {
    const size = nodes[n * NF + iSize];
    total += size;
    const t = typeOf(n);
    add(byType, t === "object" || t === "closure" ? `${t}: ${nameOf(n)}` : t, size);
    // owner: walk up the first retainers to a named object; the property it holds the chain by names the owner
    let cur = n;
    let via = "";
    let owner = "(no owner within 6 hops)";
    for (let hop = 0; hop < 7; hop++) {
      if (isOwner(cur) && (hop > 0 || !INTERNAL.has(t))) {
        owner = hop === 0 ? `${nameOf(cur)} (itself)` : `${nameOf(cur)}.${via}`;
        break;
      }
      const r = retainer[cur];
      if (r === -1) {
        owner = `(root) ${t}`;
        break;
      }
      via = edgeName(retEdge[cur]);
      cur = r;
    }
    add(byOwner, `${owner} <- ${t}`, size);
  }
  return { count, total, byType, byOwner };
}

const mb = (b) => (b / 1048576).toFixed(1);
const table = (title, m) => {
  console.log(`\n## ${title}\n`);
  console.log(`| what | MB | count |${PER ? " B per record |" : ""}`);
  console.log(`|---|---|---|${PER ? "---|" : ""}`);
  for (const [k, v] of [...m].sort((a, b) => b[1].size - a[1].size).slice(0, TOP)) {
    console.log(
      `| ${k.replace(/\|/g, "\\|").slice(0, 90)} | ${mb(v.size)} | ${v.count} |${PER ? ` ${(v.size / PER).toFixed(1)} |` : ""}`,
    );
  }
};
const main = summarise(file);
const baseFile = optStr("base");
if (baseFile !== undefined) {
  const base = summarise(baseFile);
  for (const key of ["byType", "byOwner"]) {
    for (const [k, v] of base[key]) {
      const m = main[key].get(k) ?? { size: 0, count: 0 };
      main[key].set(k, { size: m.size - v.size, count: m.count - v.count });
    }
  }
  main.total -= base.total;
  main.count -= base.count;
}
const { count, total, byType, byOwner } = main;
console.log(
  `${file}${baseFile ? ` minus ${baseFile}` : ""}: ${count} nodes, ${mb(total)} MB self size` +
    `${PER ? `, ${(total / PER).toFixed(0)} B per record` : ""}`,
);
table("self size by node type and constructor", byType);
table("self size by owner (nearest named object retaining it, via the property)", byOwner);
