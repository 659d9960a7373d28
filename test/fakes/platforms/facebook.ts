// Fake Facebook Graph (Pages) on 127.0.0.1: `GET /{v}/?ids=…&fields=shares,comments.summary(true),
// reactions.summary(true),insights.metric(post_impressions,post_clicks)` (multi-id read with field expansion).
// Shapes follow:
//   https://developers.facebook.com/docs/graph-api/reference/insights (Page post metrics: name/period/values/title/description/id)
//   https://developers.facebook.com/docs/graph-api/reference/post (shares.count, comments/reactions summary.total_count)
//   https://developers.facebook.com/docs/graph-api/guides/error-handling (errors; see ./graph.ts)

import { appUsage, DOC_APP_USAGE_EXAMPLE, type GraphFault, graphError } from "./graph.js";
import { bearer, type FakeServer, sendJson, startFakeServer, TokenBook } from "./server.js";

export interface FakePagePost {
  reactions: number;
  comments: number;
  shares: number;
  impressions: number;
  clicks: number;
}

export interface FakeFacebook extends FakeServer {
  tokens: TokenBook;
  posts: Map<string, FakePagePost>;
  /** A fault for every request (e.g. code 4, app-wide), or per token (code 17, one user). */
  fault: GraphFault;
  faultForToken: Map<string, GraphFault>;
  /** `call_count` percent reported in X-App-Usage on successful answers (default: the documented example's 28). */
  appUsagePct: number;
}

const metric = (postId: string, name: string, title: string, value: number) => ({
  name,
  period: "lifetime",
  values: [{ value }],
  title,
  description: `${title}`,
  id: `${postId}/insights/${name}/lifetime`,
});

export async function startFakeFacebook(version = "v21.0"): Promise<FakeFacebook> {
  const state = {
    tokens: new TokenBook("fb"),
    posts: new Map<string, FakePagePost>(),
    fault: null as GraphFault,
    faultForToken: new Map<string, GraphFault>(),
    appUsagePct: DOC_APP_USAGE_EXAMPLE.call_count,
  };
  const server = await startFakeServer((req, res) => {
    const token = bearer(req) ?? "";
    const fault = state.fault ?? state.faultForToken.get(token) ?? null;
    if (fault) return sendJson(res, fault.status, graphError(fault.code, fault.message), fault.headers);
    if (!state.tokens.access.has(token)) {
      return sendJson(
        res,
        400,
        graphError(
          190,
          "Error validating access token: Session has expired on Tuesday, 06-May-25 10:00:00 PDT.",
        ),
      );
    }
    if (req.method === "GET" && req.path === `/${version}/` && req.query.get("ids")) {
      const ids = req.query.get("ids")!.split(",");
      if (ids.length > 50) return sendJson(res, 400, graphError(100, "(#100) Too many IDs. Maximum: 50."));
      const body: Record<string, unknown> = {};
      for (const id of ids) {
        const p = state.posts.get(id);
        if (!p) continue;
        body[id] = {
          shares: { count: p.shares },
          comments: { data: [], summary: { order: "ranked", total_count: p.comments, can_comment: true } },
          reactions: { data: [], summary: { total_count: p.reactions, viewer_reaction: "NONE" } },
          insights: {
            data: [
              metric(id, "post_impressions", "Lifetime Post Total Impressions", p.impressions),
              metric(id, "post_clicks", "Lifetime Post Clicks", p.clicks),
            ],
          },
          id,
        };
      }
      return sendJson(res, 200, body, appUsage(state.appUsagePct));
    }
    sendJson(res, 400, graphError(100, "Unsupported get request."));
  });
  return Object.assign(state, server);
}
