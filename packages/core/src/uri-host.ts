/**
 * The `host` of a SIP URI or of a socket spec (RFC 3261 §25.1: `host = hostname / IPv4address / IPv6reference`),
 * checked beyond the character set @uacreg/sip's URI parser enforces: no empty label, no label over 63 characters or
 * starting or ending with "-", a name of at most 253 characters, an all-numeric name only as a dotted quad of 0..255,
 * and a bracketed reference only around an IPv6 address (RFC 4291 §2.2 text forms). "_" is accepted in labels, as the
 * parser does (seen in the wild). Linear in the length of the text: it checks operator input, never a regex.
 */

const MAX_NAME = 253;
const MAX_LABEL = 63;

/** `undefined` when `host` is well formed, else why not (the host is quoted; it is never a secret). */
export function hostProblem(host: string): string | undefined {
  if (host.startsWith("[")) {
    return host.endsWith("]") && isIpv6(host.slice(1, -1)) ? undefined : `host "${host}" is not an IPv6 address`;
  }
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name === "") return "host is empty";
  if (name.length > MAX_NAME) return `host is longer than ${MAX_NAME} characters`;
  const labels = name.split(".");
  for (const label of labels) {
    const problem = labelProblem(label);
    if (problem !== undefined) return `host "${host}" ${problem}`;
  }
  if (labels.every(isDigits)) {
    return isIpv4(name) ? undefined : `host "${host}" is not an IPv4 address (four numbers 0..255)`;
  }
  // RFC 3261 §25.1 `toplabel` starts with a letter: an all-numeric last label is a mistyped address, not a name.
  if (isDigits(labels[labels.length - 1] as string)) return `host "${host}" is neither an IPv4 address nor a name`;
  return undefined;
}

function labelProblem(label: string): string | undefined {
  if (label === "") return "has an empty label";
  if (label.length > MAX_LABEL) return `has a label longer than ${MAX_LABEL} characters`;
  if (label.startsWith("-") || label.endsWith("-")) return 'has a label starting or ending with "-"';
  for (let i = 0; i < label.length; i++) {
    if (!isLabelChar(label.charCodeAt(i))) return `has a bad character "${label[i]}"`;
  }
  return undefined;
}

function isLabelChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f;
}

function isDigits(text: string): boolean {
  if (text === "") return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function isHex(text: string): boolean {
  if (text.length < 1 || text.length > 4) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** A dotted quad, each part 1 to 3 digits and at most 255 (RFC 3261 §25.1 `IPv4address`). */
export function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => isDigits(p) && p.length <= 3 && Number(p) <= 255);
}

/** RFC 4291 §2.2: eight groups of 1..4 hex digits, one "::" for a run of zero groups, a dotted quad as the last two. */
export function isIpv6(text: string): boolean {
  let s = text;
  const lastColon = s.lastIndexOf(":");
  if (lastColon < 0) return false;
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!isIpv4(tail)) return false;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const gap = s.indexOf("::");
  if (gap < 0) return s.split(":").every(isHex) && s.split(":").length === 8;
  if (s.indexOf("::", gap + 1) >= 0) return false;
  const left = s.slice(0, gap);
  const right = s.slice(gap + 2);
  const groups = [...(left === "" ? [] : left.split(":")), ...(right === "" ? [] : right.split(":"))];
  return groups.length <= 7 && groups.every(isHex);
}
