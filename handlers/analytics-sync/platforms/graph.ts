// Shared Graph API (Facebook and Instagram) GET: the token goes in the Authorization header, never the URL;
// error bodies `{error: {code, type, …}}` map to auth (190), throttles (4, 17, 32, 613) or retry (1, 2, 5xx);
// usage headers on a success are reported as pressure. Docs: developers.facebook.com/docs/graph-api/guides/error-handling.
import { PermanentError, RetryableError } from "../../kit/errors.js";
import type { Platform } from "../../kit/platforms.js";
import { graphThrottle, graphUsagePressure } from "../rate-limits.js";
import { PlatformAuthError } from "./errors.js";
import { failUnexpected, joinUrl, readJson, send } from "./http.js";
import type { PlatformDeps } from "./types.js";

interface GraphErrorBody {
  error?: { code?: number; error_subcode?: number; type?: string; message?: string };
}

/** Code 100 with subcode 33: the object does not exist (deleted post). */
export class GraphObjectMissing extends Error {
  override name = "GraphObjectMissing";
}

export async function graphGet(
  deps: PlatformDeps,
  platform: Platform,
  base: string,
  pathAndQuery: string,
  token: string,
): Promise<unknown> {
  const url = joinUrl(base, `/${deps.config.GRAPH_API_VERSION}${pathAndQuery}`);
  const res = await send(deps, platform, url, { headers: { authorization: `Bearer ${token}` } });
  const json = await readJson(res);
  const error = (json as GraphErrorBody | null)?.error;
  if (error) {
    const code = Number(error.code);
    if (code === 190 || code === 102)
      throw new PlatformAuthError(`${platform}: Graph error ${code} (access token expired or revoked)`);
    const throttle = graphThrottle(code, res.headers);
    if (throttle) throw throttle;
    if (code === 1 || code === 2 || res.status >= 500) {
      throw new RetryableError("platform_unavailable", `${platform}: Graph error ${code} (temporary)`);
    }
    if (code === 100 && error.error_subcode === 33)
      throw new GraphObjectMissing(`${platform}: object not found`);
    throw new PermanentError("platform_request_rejected", `${platform}: Graph error ${code}`);
  }
  if (!res.ok) failUnexpected(platform, res, "a Graph request");
  const pressure = graphUsagePressure(res.headers);
  if (pressure) deps.onPressure?.(pressure);
  return json;
}
