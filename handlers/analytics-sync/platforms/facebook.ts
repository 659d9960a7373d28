// Facebook Pages client: Page post engagement and post insights in one batched Graph request
// `GET /{v}/?ids=…&fields=shares,comments.summary(true).limit(0),reactions.summary(true).limit(0),
// insights.metric(post_impressions,post_clicks)` (≤50 ids). No refresh grant: an expired token needs re-auth.
import { graphGet } from "./graph.js";
import { chunks, num, optNum } from "./http.js";
import type { PlatformClient, PlatformDeps, RawMetrics } from "./types.js";

/** Post ids per multi-id Graph request (Graph's `ids` limit). */
export const FACEBOOK_BATCH = 50;
const FIELDS =
  "shares,comments.summary(true).limit(0),reactions.summary(true).limit(0),insights.metric(post_impressions,post_clicks)";

interface GraphInsight {
  name?: string;
  values?: Array<{ value?: unknown }>;
}

interface FacebookPost {
  shares?: { count?: number };
  comments?: { summary?: { total_count?: number } };
  reactions?: { summary?: { total_count?: number } };
  insights?: { data?: GraphInsight[] };
}

export function insightValue(data: GraphInsight[] | undefined, name: string): number | null {
  const metric = data?.find((d) => d.name === name);
  const values = metric?.values ?? [];
  return metric ? optNum(values[values.length - 1]?.value) : null;
}

export function facebookClient(deps: PlatformDeps): PlatformClient {
  const base = deps.config.FACEBOOK_GRAPH_BASE_URL;
  return {
    platform: "facebook",
    async fetchMetrics({ accessToken, externalPostIds }) {
      const out = new Map<string, RawMetrics>();
      for (const ids of chunks(externalPostIds, FACEBOOK_BATCH)) {
        const query = `/?ids=${ids.map(encodeURIComponent).join(",")}&fields=${encodeURIComponent(FIELDS)}`;
        const json = (await graphGet(deps, "facebook", base, query, accessToken)) as Record<
          string,
          FacebookPost
        > | null;
        for (const id of ids) {
          const post = json?.[id];
          if (!post) continue;
          const insights = post.insights?.data;
          out.set(id, {
            likes: num(post.reactions?.summary?.total_count),
            comments: num(post.comments?.summary?.total_count),
            shares: num(post.shares?.count),
            impressions: insightValue(insights, "post_impressions") ?? 0,
            clicks: insightValue(insights, "post_clicks"),
            saves: null,
          });
        }
      }
      return out;
    },
  };
}
