/**
 * C `ctime(3)` text without the trailing newline, in the server's local time zone, as OpenSIPS prints the times of
 * `reg_list` (reference §9): `Wed Jan 28 14:51:47 2026`, the day of the month padded with a space.
 */
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

export function ctime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const day = d.getDate();
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${day < 10 ? ` ${day}` : day} ${two(d.getHours())}:${two(
    d.getMinutes(),
  )}:${two(d.getSeconds())} ${d.getFullYear()}`;
}
