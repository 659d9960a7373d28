// Fake X API v2 on 127.0.0.1: `GET /2/tweets` (Post lookup) and `POST /2/oauth2/token` (refresh_token grant).
// Shapes follow:
//   https://docs.x.com/x-api/posts/lookup/quickstart            (lookup request + response)
//   https://docs.x.com/x-api/fundamentals/metrics               (public_metrics / non_public_metrics fields)
//   https://developer.x.com/en/docs-vnext/twitter-api/tweets/lookup/api-reference/get-tweets (ids ≤ 100)
//   https://x-preview-ppu-docs-ga.mintlify.app/fundamentals/rate-limits (429 body, x-rate-limit-* headers)
//   https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code.md (refresh request)
import { bearer, type FakeServer, sendJson, startFakeServer, TokenBook } from "./server.js";

/**
 * The quickstart's "Request additional fields" example response (`tweet.fields=created_at,public_metrics,author_id`),
 * verbatim: its `data` object, `text` elided with "..." as on the page. The page's example carries no
 * bookmark_count or impression_count, so this Post has no impressions (engagement rate null).
 * Page: https://docs.x.com/x-api/posts/lookup/quickstart (stored copy: the page's Mintlify source, step
 * "Request additional fields", `Example response`).
 */
export const DOC_EXAMPLE_POST = {
  id: "1228393702244134912",
  text: "What did the developer write in their Valentine's card?...",
  created_at: "2020-02-14T19:00:55.000Z",
  author_id: "2244994945",
  public_metrics: {
    retweet_count: 156,
    reply_count: 23,
    like_count: 892,
    quote_count: 12,
  },
  edit_history_tweet_ids: ["1228393702244134912"],
};

/** The rate-limit page's documented 429 body. */
export const DOC_RATE_LIMIT_BODY = { errors: [{ code: 88, message: "Rate limit exceeded" }] };
/** X API v2 problem body for a refused token (RFC 7807 shape used by v2). */
export const UNAUTHORIZED_BODY = {
  title: "Unauthorized",
  type: "about:blank",
  status: 401,
  detail: "Unauthorized",
};

export interface FakeTweet {
  id: string;
  text: string;
  public_metrics: Record<string, number>;
  non_public_metrics?: Record<string, number>;
}

export interface FakeX extends FakeServer {
  tokens: TokenBook;
  tweets: Map<string, FakeTweet>;
  /** Answer 429 until this Unix time (seconds). */
  rateLimitedUntil: number | null;
  /** Answer 503. */
  down: boolean;
  /** x-rate-limit-remaining on a successful lookup. @default 899 */
  remaining: number;
  /** Refuse non_public_metrics (posts older than 30 days / not the author's). */
  denyNonPublic: boolean;
}

export async function startFakeX(): Promise<FakeX> {
  const state = {
    tokens: new TokenBook("x"),
    tweets: new Map<string, FakeTweet>([[DOC_EXAMPLE_POST.id, DOC_EXAMPLE_POST]]),
    rateLimitedUntil: null as number | null,
    down: false,
    remaining: 899,
    denyNonPublic: false,
  };
  const server = await startFakeServer((req, res) => {
    if (state.down)
      return sendJson(res, 503, {
        title: "Service Unavailable",
        type: "about:blank",
        status: 503,
        detail: "Service Unavailable",
      });
    if (req.method === "POST" && req.path === "/2/oauth2/token") {
      const form = new URLSearchParams(req.body);
      if (form.get("grant_type") !== "refresh_token" || !form.get("client_id")) {
        return sendJson(res, 400, {
          error: "invalid_request",
          error_description: "Missing required parameter",
        });
      }
      const next = state.tokens.exchange(form.get("refresh_token") ?? "");
      if (!next)
        return sendJson(res, 400, {
          error: "invalid_request",
          error_description: "Value passed for the token was invalid.",
        });
      return sendJson(res, 200, {
        token_type: "bearer",
        expires_in: 7200,
        access_token: next.accessToken,
        scope: "tweet.read users.read offline.access",
        refresh_token: next.refreshToken,
      });
    }
    if (req.method === "GET" && req.path === "/2/tweets") {
      const now = Math.floor(Date.now() / 1000);
      const limitHeaders = {
        "x-rate-limit-limit": "900",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": String(state.rateLimitedUntil ?? now + 900),
      };
      if (state.rateLimitedUntil && state.rateLimitedUntil > now)
        return sendJson(res, 429, DOC_RATE_LIMIT_BODY, limitHeaders);
      if (!state.tokens.access.has(bearer(req) ?? "")) return sendJson(res, 401, UNAUTHORIZED_BODY);
      const ids = (req.query.get("ids") ?? "").split(",").filter(Boolean);
      if (!ids.length || ids.length > 100) {
        return sendJson(res, 400, {
          errors: [
            {
              parameters: { ids },
              message:
                "The number of values in the `ids` query parameter list [" +
                ids.length +
                "] is not between 1 and 100",
            },
          ],
          title: "Invalid Request",
          detail: "One or more parameters to your request was invalid.",
          type: "https://api.twitter.com/2/problems/invalid-request",
        });
      }
      const fields = (req.query.get("tweet.fields") ?? "").split(",");
      const wantsPrivate = fields.includes("non_public_metrics");
      if (wantsPrivate && state.denyNonPublic) {
        return sendJson(res, 200, {
          errors: ids.map((id) => ({
            value: id,
            detail: "Sorry, you are not authorized to access 'non_public_metrics' on this Tweet.",
            title: "Field Authorization Error",
            resource_type: "tweet",
            parameter: "non_public_metrics",
            resource_id: id,
            type: "https://api.twitter.com/2/problems/not-authorized-for-field",
          })),
        });
      }
      const data = ids.flatMap((id) => {
        const t = state.tweets.get(id);
        if (!t) return [];
        const out: Record<string, unknown> = { id: t.id, text: t.text, edit_history_tweet_ids: [t.id] };
        if (fields.includes("public_metrics")) out.public_metrics = t.public_metrics;
        if (wantsPrivate && t.non_public_metrics) out.non_public_metrics = t.non_public_metrics;
        return [out];
      });
      const errors = ids
        .filter((id) => !state.tweets.has(id))
        .map((id) => ({
          value: id,
          detail: `Could not find tweet with ids: [${id}].`,
          title: "Not Found Error",
          resource_type: "tweet",
          parameter: "ids",
          resource_id: id,
          type: "https://api.twitter.com/2/problems/resource-not-found",
        }));
      return sendJson(res, 200, errors.length ? { data, errors } : { data }, {
        "x-rate-limit-limit": "900",
        "x-rate-limit-remaining": String(state.remaining),
        "x-rate-limit-reset": String(now + 900),
      });
    }
    sendJson(res, 404, { title: "Not Found Error", type: "about:blank", status: 404, detail: "Not Found" });
  });
  return Object.assign(state, server);
}
