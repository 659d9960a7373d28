// Fake Instagram Graph (Instagram API with Facebook Login) on 127.0.0.1: `GET /{v}/{media-id}/insights?metric=…`.
// Shapes follow:
//   https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights (metrics, limits)
//   https://developers.secure.facebook.com/docs/instagram-api/guides/insights (example response below)
//   https://developers.facebook.com/docs/graph-api/guides/error-handling (errors; see ./graph.ts)

import { type GraphFault, graphError } from "./graph.js";
import { bearer, type FakeServer, sendJson, startFakeServer, TokenBook } from "./server.js";

/** The insights guide's example response (account insights), verbatim as far as our stored copy goes. */
export const DOC_INSIGHTS_EXAMPLE = {
  data: [
    {
      name: "impressions",
      period: "day",
      values: [
        { value: 32, end_time: "2018-01-11T08:00:00+0000" },
        { value: 32, end_time: "2018-01-12T08:00:00+0000" },
      ],
      title: "Impressions",
      description: "Total number of times the Business Account's media objects have been viewed",
      id: "instagram_business_account_id/insights/impressions/day",
    },
    {
      name: "reach",
      period: "day",
      values: [
        { value: 12, end_time: "2018-01-11T08:00:00+0000" },
        { value: 12, end_time: "2018-01-12T08:00:00+0000" },
      ],
      title: "Reach",
      description: "Total number of times the Business Account's media objects have been uniquely viewed",
      id: "instagram_business_account_id/insights/reach/day",
    },
  ],
};

export type FakeMedia = Record<"likes" | "comments" | "shares" | "saved" | "reach" | "views", number>;

export interface FakeInstagram extends FakeServer {
  tokens: TokenBook;
  media: Map<string, FakeMedia>;
  fault: GraphFault;
  down: boolean;
}

const TITLES: Record<string, string> = {
  likes: "Likes",
  comments: "Comments",
  shares: "Shares",
  saved: "Saved",
  reach: "Accounts reached",
  views: "Views",
};

export async function startFakeInstagram(version = "v21.0"): Promise<FakeInstagram> {
  const state = {
    tokens: new TokenBook("ig"),
    media: new Map<string, FakeMedia>(),
    fault: null as GraphFault,
    down: false,
  };
  const server = await startFakeServer((req, res) => {
    if (state.down) return sendJson(res, 503, graphError(2, "Service temporarily unavailable"));
    if (state.fault)
      return sendJson(
        res,
        state.fault.status,
        graphError(state.fault.code, state.fault.message),
        state.fault.headers,
      );
    if (!state.tokens.access.has(bearer(req) ?? "")) {
      return sendJson(res, 400, graphError(190, "Error validating access token: Session has expired."));
    }
    const m = new RegExp(`^/${version}/([^/]+)/insights$`).exec(req.path);
    if (req.method === "GET" && m?.[1]) {
      const media = state.media.get(decodeURIComponent(m[1]));
      if (!media) {
        return sendJson(res, 400, {
          error: {
            message: "Unsupported get request. Object does not exist",
            type: "GraphMethodException",
            code: 100,
            error_subcode: 33,
            fbtrace_id: "EJplcsCHuLu",
          },
        });
      }
      const names = (req.query.get("metric") ?? "")
        .split(",")
        .filter((n): n is keyof FakeMedia => n in TITLES);
      return sendJson(res, 200, {
        data: names.map((name) => ({
          name,
          period: "lifetime",
          values: [{ value: media[name] }],
          title: TITLES[name],
          description: TITLES[name],
          id: `${m[1]}/insights/${name}/lifetime`,
        })),
      });
    }
    sendJson(res, 400, graphError(100, "Unsupported get request."));
  });
  return Object.assign(state, server);
}
