// hono's bodyLimit, without its cost when the size is declared: hono's version reads `c.req.raw.body` first,
// which on @hono/node-server turns every request into a full Web Request with a stream (about 9 % of the
// CPU of a job in the throughput benchmark). A request with Content-Length and no Transfer-Encoding has a
// body of exactly that size (the HTTP parser frames it), so the header is checked and the body left alone;
// anything else (chunked, or a length the runtime does not show) goes through hono's streaming check.
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

export function declaredBodyLimit(opts: {
  maxSize: number;
  onError: (c: Context) => Response | Promise<Response>;
}): MiddlewareHandler {
  const streaming = bodyLimit(opts);
  return async (c, next) => {
    const length = c.req.header("content-length");
    if (length === undefined || c.req.header("transfer-encoding") !== undefined) return streaming(c, next);
    if (Number.parseInt(length, 10) > opts.maxSize) return opts.onError(c);
    await next();
  };
}
