// Instagram Graph client (Instagram API with Facebook Login): media insights per media object
// `GET /{v}/{media-id}/insights?metric=likes,comments,shares,saved,reach,views`. `views` replaced the
// deprecated `impressions` (v22.0); reach stands in when neither is reported. No refresh grant for expired tokens.

import { insightValue } from "./facebook.js";
import { GraphObjectMissing, graphGet } from "./graph.js";
import { num } from "./http.js";
import type { PlatformClient, PlatformDeps, RawMetrics } from "./types.js";

const METRICS = "likes,comments,shares,saved,reach,views";

export function instagramClient(deps: PlatformDeps): PlatformClient {
  const base = deps.config.INSTAGRAM_GRAPH_BASE_URL;
  return {
    platform: "instagram",
    async fetchMetrics({ accessToken, externalPostIds }) {
      const out = new Map<string, RawMetrics>();
      for (const id of externalPostIds) {
        let json: { data?: Array<{ name?: string; values?: Array<{ value?: unknown }> }> } | null;
        try {
          json = (await graphGet(
            deps,
            "instagram",
            base,
            `/${encodeURIComponent(id)}/insights?metric=${METRICS}`,
            accessToken,
          )) as typeof json;
        } catch (err) {
          if (err instanceof GraphObjectMissing) continue;
          throw err;
        }
        const data = json?.data;
        out.set(id, {
          likes: num(insightValue(data, "likes")),
          comments: num(insightValue(data, "comments")),
          shares: num(insightValue(data, "shares")),
          impressions:
            insightValue(data, "views") ??
            insightValue(data, "impressions") ??
            num(insightValue(data, "reach")),
          clicks: null,
          saves: insightValue(data, "saved"),
        });
      }
      return out;
    },
  };
}
