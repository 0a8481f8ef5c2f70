#!/usr/bin/env node
// Every citation in the code and the READMEs must point at a file in this repository (docs/README.md lists the
// pages). Reports, as `file:line: problem`, each tracked (or new, not ignored) .ts/.mjs/.md/package.json file outside
// docs/ that cites the old design notes ("reference §N", ../shared, /work/shared, design/…, notes/…, "module doc §"),
// a docs page by its bare name, or a path ending in .md (or a docs/ path) that does not exist. Exit 1 when any.
//   node scripts/check-citations.mjs [paths…]   (default: the whole repository)
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const self = relative(root, import.meta.filename);
const args = process.argv.slice(2);
const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", ...args], {
  cwd: root,
  encoding: "utf8",
})
  .split("\0")
  .filter(Boolean);
const files = [...new Set(listed)].filter(
  (f) =>
    /\.(ts|mts|mjs|md)$|(^|\/)package\.json$/.test(f) &&
    !f.startsWith("docs/") &&
    !/(^|\/)(node_modules|dist)\//.test(f) &&
    f !== self &&
    existsSync(join(root, f)),
);

/**
 * Pages of docs/ by bare name: "decisions.md" alone cites a file that is not where it says. The text of a markdown
 * link (`[decisions.md](../../docs/decisions.md)`) is not a citation: its target is checked as a path below.
 */
const DOC_NAMES = ["opensips-behaviour", "mi-protocol", "decisions", "contracts", "architecture"];
const fixed = [
  { re: /\breference\s+(§|\\u00a7)/i, why: 'cites "reference §N": use docs/opensips-behaviour.md §N' },
  {
    re: /\/work\/shared|\.\.\/shared\b|(?<![\w-])shared\/(reference|design)\b/,
    why: "cites ../shared (not in the repository)",
  },
  { re: /\bmodule doc(umentation)?\s+§/i, why: 'cites "module doc §N": use docs/opensips-behaviour.md §N' },
  { re: /(?<![\w/.-])reference\/captures\b/, why: "cites reference/captures: use docs/captures/" },
  {
    re: new RegExp(`(?<![\\w/.-])(${DOC_NAMES.join("|")})\\.md\\b(?!\\])`),
    why: "cites a docs page by its bare name: write docs/$&",
  },
];
// A path that ends in .md (with at least one slash), or any docs/… path; not part of a URL.
const pathRe = /(?<![\w:/.@-])((?:\.{1,2}\/)*(?:[\w@.-]+\/)+[\w.*-]+\.md|(?:\.{1,2}\/)*docs\/[\w./*-]*)/g;

const problems = [];
for (const file of files) {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  lines.forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    for (const { re, why } of fixed) {
      const bare = re.exec(line);
      if (bare) problems.push(`${at}: ${why.replace("$&", bare[0])}`);
    }
    for (const m of line.matchAll(pathRe)) {
      const cited = m[1].replace(/[.,;:)`'"]+$/, "");
      if (cited.includes("*") || cited === "docs/" || cited === "docs") {
        const dir = cited.slice(0, cited.lastIndexOf("/") + 1) || cited;
        if (!exists(file, dir)) problems.push(`${at}: cites ${cited}, and ${dir} does not exist`);
        continue;
      }
      if (!exists(file, cited)) problems.push(`${at}: cites ${cited}, which does not exist`);
    }
  });
}

/** A path is read from the repository root, or from the citing file's folder (markdown links, ../ paths). */
function exists(file, cited) {
  const clean = cited.split("#")[0];
  if (clean.startsWith("./") || clean.startsWith("../")) return existsSync(resolve(root, dirname(file), clean));
  return existsSync(join(root, clean)) || existsSync(resolve(root, dirname(file), clean));
}

const unique = [...new Set(problems)];
for (const p of unique) console.log(p);
if (unique.length > 0) {
  console.error(
    `check-citations: ${unique.length} citation(s) point outside the repository (${files.length} files read)`,
  );
  process.exit(1);
}
console.error(`check-citations: ok (${files.length} files read)`);
