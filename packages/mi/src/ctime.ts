/**
 * C `ctime(3)` text without the trailing newline: `Www Mmm dd hh:mm:ss yyyy`, the day padded with a space, in the
 * server's local time zone (docs/opensips-behaviour.md §9: `last_register_sent`, `registration_t_out`; OpenSIPS
 * `uptime`).
 */
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Formats unix seconds like `ctime()`; `0` gives the epoch (`Thu Jan  1 00:00:00 1970` in UTC).
 * @param utc format in UTC instead of the local zone (for tests and for daemons that want stable output).
 */
export function formatCtime(unixSeconds: number, utc = false): string {
  const d = new Date(Math.trunc(unixSeconds) * 1000);
  const day = utc ? d.getUTCDay() : d.getDay();
  const month = utc ? d.getUTCMonth() : d.getMonth();
  const date = utc ? d.getUTCDate() : d.getDate();
  const h = utc ? d.getUTCHours() : d.getHours();
  const m = utc ? d.getUTCMinutes() : d.getMinutes();
  const s = utc ? d.getUTCSeconds() : d.getSeconds();
  const year = utc ? d.getUTCFullYear() : d.getFullYear();
  const dd = date < 10 ? ` ${date}` : String(date);
  return `${DAYS[day]} ${MONTHS[month]} ${dd} ${two(h)}:${two(m)}:${two(s)} ${year}`;
}
