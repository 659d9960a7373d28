// An undici connector that refuses private addresses on every connection: the DNS answer is checked
// before connecting (every resolved address must be public), and the socket's actual peer address is
// checked again once connected (belt and braces against a lookup the OS did on its own).
import dns from "node:dns";
import type { LookupFunction } from "node:net";
import { buildConnector } from "undici";
import { blockedRange, isIpLiteral } from "../../handlers/kit/net/ip-policy.js";

/** Thrown inside the connector; the guarded fetch turns it into PermanentError `blocked_url`. */
export class BlockedAddressError extends Error {
  override name = "BlockedAddressError";
}

/** A lookup that resolves all addresses and refuses the name when any of them is not public. */
export function guardedLookup(base: LookupFunction = dns.lookup as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = Array.isArray(addresses) ? addresses : [{ address: addresses, family: 0 }];
      for (const a of list) {
        const range = blockedRange(a.address);
        if (range) {
          const e = new BlockedAddressError(
            `${hostname} resolves to ${a.address} (${range}), not a public address`,
          );
          return callback(e as NodeJS.ErrnoException, "", 0);
        }
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "", 0);
      callback(null, first.address, first.family);
    });
  };
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** A connector for undici's Agent that only ever connects to public addresses. */
export function guardedConnector(opts: {
  lookup?: LookupFunction;
  connectTimeoutMs: number;
}): buildConnector.connector {
  const base = buildConnector({ lookup: guardedLookup(opts.lookup), timeout: opts.connectTimeoutMs });
  return (options, callback) => {
    const host = stripBrackets(options.hostname);
    if (isIpLiteral(host)) {
      const range = blockedRange(host);
      if (range)
        return callback(new BlockedAddressError(`address ${host} is ${range}, not a public address`), null);
    }
    base(options, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error("connect failed"), null);
      const peer = socket.remoteAddress;
      const range = peer ? blockedRange(peer) : "unknown";
      if (range) {
        socket.destroy();
        return callback(
          new BlockedAddressError(`connected to ${peer ?? "an unknown address"} (${range})`),
          null,
        );
      }
      callback(null, socket);
    });
  };
}
