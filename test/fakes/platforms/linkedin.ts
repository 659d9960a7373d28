// Fake LinkedIn on 127.0.0.1: `GET /rest/organizationalEntityShareStatistics` (per-share statistics),
// `GET /rest/socialActions/{urn}` and `POST /oauth/v2/accessToken` (programmatic refresh). Shapes follow:
//   https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics
//   https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/network-update-social-actions
//   https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
//   https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits (429 when throttled)
//   https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling (401 / 429 bodies)
import { bearer, type FakeServer, sendJson, startFakeServer, TokenBook } from "./server.js";

/** The organization of the docs' request example (`organizationalEntity=urn:li:organization:2414183`). */
export const DOC_ORGANIZATION = "urn:li:organization:2414183";
/**
 * `totalShareStatistics` as the share-statistics page lists it (uniqueImpressionsCount, shareCount,
 * engagement, clickCount, likeCount, impressionCount, commentCount). uniqueImpressionsCount is optional:
 * the documented per-share example below has none.
 */
export interface ShareStats {
  uniqueImpressionsCount?: number;
  shareCount: number;
  engagement: number;
  clickCount: number;
  likeCount: number;
  impressionCount: number;
  commentCount: number;
}

/**
 * The documented answer to statistics for specific shares (`shares=List(urn:li:share:1000000,
 * urn:li:share:1000001)` of organization 2414183), verbatim. Page: LinkedIn's v2 guide
 * https://developer.linkedin.com/docs/guide/v2/organizations/share-statistics#specific, now
 * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics
 * (our stored copies of the Learn page stop before its examples; this example was read from the copy in
 * ebx/ebx-linkedin-sdk's ShareStatisticsTest, which quotes that v2 page, and agrees with other public copies).
 * `engagement` is the page's (clicks + likes + comments + shares) / impressions: 121 / 5287 and 1 / 5.
 */
export const DOC_SPECIFIC_SHARES_EXAMPLE = {
  elements: [
    {
      totalShareStatistics: {
        shareCount: 5,
        clickCount: 78,
        engagement: 0.022886324947985624,
        likeCount: 14,
        impressionCount: 5287,
        commentCount: 24,
      },
      share: "urn:li:share:1000000",
      organizationalEntity: "urn:li:organization:2414183",
    },
    {
      totalShareStatistics: {
        shareCount: 0,
        clickCount: 1,
        engagement: 0.2,
        likeCount: 0,
        impressionCount: 5,
        commentCount: 0,
      },
      share: "urn:li:share:1000001",
      organizationalEntity: "urn:li:organization:2414183",
    },
  ],
  paging: {
    count: 10,
    start: 0,
    links: [],
  },
};

/**
 * The error-handling page's only sample error body, verbatim
 * (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling, "Sample Response").
 * The page lists other 401 causes (invalid, expired, revoked token) by name only, with no body; the fake
 * answers every refused token with this one.
 */
export const DOC_ERROR_EXAMPLE = {
  message: "Empty oauth2_access_token",
  serviceErrorCode: 401,
  status: 401,
};

/**
 * 429 in the same documented shape. The message is the page's, verbatim ("429 Rate Limit": "These errors
 * will return an error message of ..."); the page shows no 429 body and no serviceErrorCode for it, so
 * none is sent.
 */
export const DOC_THROTTLE_BODY = {
  message: "Resource level throttle limit for calls to this resource is reached.",
  status: 429,
};

export interface FakeLinkedIn extends FakeServer {
  tokens: TokenBook;
  shareStats: Map<string, ShareStats>;
  socialActions: Map<string, { likes: number; comments: number }>;
  throttled: boolean;
  down: boolean;
}

/** Parses Rest.li 2.0 `List(a,b)` with URL-encoded items. */
function restliList(value: string | null): string[] {
  const m = /^List\((.*)\)$/.exec(value ?? "");
  return m?.[1] ? m[1].split(",").map(decodeURIComponent) : [];
}

export async function startFakeLinkedIn(): Promise<FakeLinkedIn> {
  const state = {
    tokens: new TokenBook("li"),
    shareStats: new Map<string, ShareStats>(
      DOC_SPECIFIC_SHARES_EXAMPLE.elements.map((e) => [e.share, e.totalShareStatistics]),
    ),
    socialActions: new Map<string, { likes: number; comments: number }>(),
    throttled: false,
    down: false,
  };
  const server = await startFakeServer((req, res) => {
    if (state.down) return sendJson(res, 503, { message: "Service Unavailable", status: 503 });
    if (req.method === "POST" && req.path === "/oauth/v2/accessToken") {
      const form = new URLSearchParams(req.body);
      if (
        form.get("grant_type") !== "refresh_token" ||
        !form.get("client_id") ||
        !form.get("client_secret")
      ) {
        return sendJson(res, 400, {
          error: "invalid_request",
          error_description: 'A required parameter "client_secret" is missing',
        });
      }
      // LinkedIn keeps the refresh token (its TTL keeps counting from the first authorization).
      const next = state.tokens.exchange(form.get("refresh_token") ?? "", false);
      if (!next)
        return sendJson(res, 400, {
          error: "invalid_request",
          error_description:
            "The provided authorization grant or refresh token is invalid, expired or revoked",
        });
      return sendJson(res, 200, {
        access_token: next.accessToken,
        expires_in: 5184000,
        refresh_token: next.refreshToken,
        refresh_token_expires_in: 525600,
        scope: "r_organization_social,rw_organization_admin",
      });
    }
    // The Retry-After value is ours: no Retry-After value is documented (daily quotas reset at midnight UTC).
    if (state.throttled) return sendJson(res, 429, DOC_THROTTLE_BODY, { "retry-after": "120" });
    if (!state.tokens.access.has(bearer(req) ?? "")) return sendJson(res, 401, DOC_ERROR_EXAMPLE);
    if (!/^\d{6}$/.test(String(req.headers["linkedin-version"]))) {
      return sendJson(res, 426, {
        status: 426,
        code: "NONEXISTENT_VERSION",
        message: "Requested version is not active",
      });
    }
    if (req.method === "GET" && req.path === "/rest/organizationalEntityShareStatistics") {
      const org = req.query.get("organizationalEntity");
      const urns = [...restliList(req.query.get("shares")), ...restliList(req.query.get("ugcPosts"))];
      const elements = urns.flatMap((urn) => {
        const stats = state.shareStats.get(urn);
        if (!stats) return [];
        const key = urn.startsWith("urn:li:ugcPost:") ? "ugcPost" : "share";
        return [{ totalShareStatistics: stats, [key]: urn, organizationalEntity: org }];
      });
      return sendJson(res, 200, { paging: { count: 10, start: 0, links: [] }, elements });
    }
    const social = /^\/rest\/socialActions\/(.+)$/.exec(req.path);
    if (req.method === "GET" && social?.[1]) {
      const urn = decodeURIComponent(social[1]);
      const s = state.socialActions.get(urn);
      if (!s) return sendJson(res, 404, { status: 404, message: `Not Found: ${urn}` });
      return sendJson(res, 200, {
        target: urn,
        likesSummary: { selectedLikes: [], likedByCurrentUser: false, totalLikes: s.likes },
        commentsSummary: {
          selectedComments: [],
          totalFirstLevelComments: s.comments,
          aggregatedTotalComments: s.comments,
        },
      });
    }
    sendJson(res, 404, { status: 404, message: "Not Found" });
  });
  return Object.assign(state, server);
}
