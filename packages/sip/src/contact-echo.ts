const EXPIRES_PARAM = ";expires=";

/**
 * The digits of `N` when the Contact header value (RFC 3261 §20.10) is exactly `<binding>;expires=N` (N = 1 to 10
 * digits), else undefined: the one Contact a registrar nearly always sends back, our binding echoed with its expiry
 * (§10.2.4). Such a value is one contact-param whose URI is the text of `binding`, with one `expires` parameter; for a
 * `binding` that parses as a URI (a validated binding), {@link parseContacts} finds the same (the differential
 * property test of this package checks it). Undefined decides nothing: parse the value in full then.
 */
export function echoedContactExpires(value: string, binding: string): string | undefined {
  const end = binding.length + 2;
  if (value.length <= end + EXPIRES_PARAM.length || value.length > end + EXPIRES_PARAM.length + 10) return undefined;
  if (value.charCodeAt(0) !== 0x3c || value.charCodeAt(end - 1) !== 0x3e || !value.startsWith(binding, 1)) {
    return undefined;
  }
  if (binding.includes(">") || !value.startsWith(EXPIRES_PARAM, end)) return undefined;
  for (let i = end + EXPIRES_PARAM.length; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  return value.slice(end + EXPIRES_PARAM.length);
}
