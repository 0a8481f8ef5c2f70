/**
 * Counts the string work a parser does, deterministically (no clock): while {@link countWork} runs, the String and
 * RegExp builtins the parsers use are wrapped, and each call adds what it examines: 1 per character read
 * (`charCodeAt`, `charAt`, `codePointAt`), the span scanned by a search (`indexOf` from its start to the hit or the
 * end, `includes`, `startsWith`, `endsWith`), the length copied (what `slice` and `substring` return; the whole string for case changes, `trim*`, `split`)
 * and the input left for a regular expression (`exec`, `test`, `replace` with a RegExp: a backtracking expression
 * does more than that, so regexes on network input are audited by hand, docs/architecture.md). Work per input byte
 * that grows with the size of the input is a super-linear parser, whatever the machine's speed.
 *
 * Test tooling only (exported from `@uacreg/runtime/testing`, never from the main entry): the parsers of `sip`,
 * `digest` and `transport` that see network input are checked with it (issue 10 item 1, docs/architecture.md). Its
 * blind spot: one regular-expression call counts as the input it is given, so a backtracking expression (such as
 * `/<[^>]*>/g` on many unmatched `<`) looks linear here; each package's tests audit its regexes on network input.
 */
type Method = (this: unknown, ...args: unknown[]) => unknown;

const STRING_READS = ["charCodeAt", "charAt", "codePointAt"] as const;
const STRING_SEARCHES = ["indexOf", "includes", "startsWith", "endsWith", "lastIndexOf"] as const;
/** Copies whose cost is what they return (a slice of a long text costs its own length). */
const STRING_SLICES = ["slice", "substring"] as const;
/** Copies of the whole string. */
const STRING_COPIES = ["toLowerCase", "toUpperCase", "trim", "trimStart", "trimEnd", "split"] as const;

let work = 0;

function searchSpan(text: string, name: string, args: unknown[], result: unknown): number {
  const from = typeof args[1] === "number" ? Math.max(0, Math.trunc(args[1])) : 0;
  const needle = String(args[0]).length;
  if (name === "indexOf" && typeof result === "number" && result >= 0) return result - from + needle;
  if (name === "lastIndexOf") return typeof result === "number" && result >= 0 ? text.length - result : text.length;
  if (name === "startsWith" || name === "endsWith") return needle;
  return text.length - from;
}

/** Runs `fn` with the builtins wrapped; returns the work counted (the wrappers are removed before returning). */
export function countWork(fn: () => unknown): number {
  const proto = String.prototype as unknown as Record<string, Method>;
  const reProto = RegExp.prototype as unknown as Record<string, Method>;
  const saved: Array<[Record<string, Method>, string, Method]> = [];
  const wrap = (
    target: Record<string, Method>,
    name: string,
    cost: (self: unknown, args: unknown[], r: unknown) => number,
  ) => {
    const original = target[name]!;
    saved.push([target, name, original]);
    target[name] = function (this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      work += cost(this, args, result);
      return result;
    };
  };
  for (const name of STRING_READS) wrap(proto, name, () => 1);
  for (const name of STRING_SEARCHES) wrap(proto, name, (self, args, r) => searchSpan(String(self), name, args, r));
  for (const name of STRING_SLICES) wrap(proto, name, (_self, _args, r) => String(r).length);
  for (const name of STRING_COPIES) wrap(proto, name, (self) => String(self).length);
  for (const name of ["exec", "test"]) {
    wrap(reProto, name, (self, args) => String(args[0]).length - ((self as RegExp).lastIndex ?? 0));
  }
  const before = work;
  try {
    fn();
  } catch {
    // A refusal (SipParseError, DigestError) is an answer too: the work up to it is what counts.
  } finally {
    for (const [target, name, original] of saved.reverse()) target[name] = original;
  }
  return work - before;
}
