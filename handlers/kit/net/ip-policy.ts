// Which IP addresses an outbound fetch of a user-supplied URL may reach: public unicast only. Private,
// loopback, link-local (incl. the 169.254.169.254 cloud metadata), CGNAT, multicast, unspecified, reserved
// and IPv4-embedding IPv6 ranges are refused. Edge-safe (ipaddr.js is plain JS); used by the URL guard and
// Node's guarded fetch.
import ipaddr from "ipaddr.js";

/** The range name that makes `ip` blocked (e.g. "loopback", "private"), or null when it is public unicast. */
export function blockedRange(ip: string): string | null {
  const literal = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  // Zone ids (fe80::1%eth0) are link-local by definition.
  if (literal.includes("%")) return "linkLocal";
  if (!ipaddr.isValid(literal)) return "invalid";
  // process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it carries.
  const addr = ipaddr.process(literal);
  const range = addr.range();
  return range === "unicast" ? null : range;
}

/** True when `host` is an IP literal (IPv4 in any spelling ipaddr.js knows, or IPv6 with or without brackets). */
export function isIpLiteral(host: string): boolean {
  const literal = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return ipaddr.isValid(literal);
}
