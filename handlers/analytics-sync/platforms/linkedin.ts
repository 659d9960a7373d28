// LinkedIn client (versioned REST API, Rest.li 2.0): organization posts through Organization Share
// Statistics (`GET /rest/organizationalEntityShareStatistics?shares=List(…)`, batched), member posts through
// Social Actions (`GET /rest/socialActions/{urn}`: likes and comments only); programmatic refresh tokens at
// `POST {LINKEDIN_OAUTH_BASE_URL}/oauth/v2/accessToken`. Docs: learn.microsoft.com/linkedin/marketing/….
import { linkedinResetWaitMs } from "../rate-limits.js";
import { PlatformAuthError, PlatformRateLimitError, RefreshRejectedError } from "./errors.js";
import { chunks, failUnexpected, joinUrl, num, optNum, readJson, send, tokenAnswer } from "./http.js";
import type { PlatformClient, PlatformDeps, RawMetrics, TokenSet } from "./types.js";

/** Post URNs per share-statistics request. */
export const LINKEDIN_BATCH = 50;

interface ShareStatsElement {
  share?: string;
  ugcPost?: string;
  totalShareStatistics?: Record<string, unknown>;
}

export function linkedinClient(deps: PlatformDeps): PlatformClient {
  const { LINKEDIN_API_BASE_URL: base, LINKEDIN_API_VERSION: version } = deps.config;

  async function get(path: string, token: string, what: string): Promise<unknown | null> {
    const res = await send(deps, "linkedin", joinUrl(base, path), {
      headers: {
        authorization: `Bearer ${token}`,
        "linkedin-version": version,
        "x-restli-protocol-version": "2.0.0",
      },
    });
    if (res.status === 429) {
      throw new PlatformRateLimitError(
        "account",
        linkedinResetWaitMs(res.headers, deps.clock.now()),
        "LinkedIn answered 429",
      );
    }
    if (res.status === 401) throw new PlatformAuthError("LinkedIn refused the access token (401)");
    if (res.status === 404) return null;
    if (!res.ok) failUnexpected("linkedin", res, what);
    return readJson(res);
  }

  async function organizationStats(
    org: string,
    urns: readonly string[],
    token: string,
    out: Map<string, RawMetrics>,
  ) {
    for (const batch of chunks(urns, LINKEDIN_BATCH)) {
      const list = (kind: string) => {
        const picked = batch.filter((u) => u.startsWith(`urn:li:${kind}:`)).map(encodeURIComponent);
        return picked.length ? `&${kind === "share" ? "shares" : "ugcPosts"}=List(${picked.join(",")})` : "";
      };
      const path = `/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity=${encodeURIComponent(org)}${list("share")}${list("ugcPost")}`;
      const json = (await get(path, token, "share statistics")) as { elements?: ShareStatsElement[] } | null;
      for (const el of json?.elements ?? []) {
        const urn = el.share ?? el.ugcPost;
        const s = el.totalShareStatistics;
        if (!urn || !s) continue;
        out.set(urn, {
          likes: num(s.likeCount),
          comments: num(s.commentCount),
          shares: num(s.shareCount),
          impressions: num(s.impressionCount),
          clicks: optNum(s.clickCount),
          saves: null,
        });
      }
    }
  }

  async function memberSocialActions(urns: readonly string[], token: string, out: Map<string, RawMetrics>) {
    for (const urn of urns) {
      const json = (await get(`/rest/socialActions/${encodeURIComponent(urn)}`, token, "social actions")) as {
        likesSummary?: { totalLikes?: number };
        commentsSummary?: { aggregatedTotalComments?: number; totalFirstLevelComments?: number };
      } | null;
      if (!json) continue;
      const c = json.commentsSummary;
      out.set(urn, {
        likes: num(json.likesSummary?.totalLikes),
        comments: num(c?.aggregatedTotalComments ?? c?.totalFirstLevelComments),
        shares: 0,
        // Social actions carry no impressions for member posts: the engagement rate stays null.
        impressions: 0,
        clicks: null,
        saves: null,
      });
    }
  }

  const client: PlatformClient = {
    platform: "linkedin",
    async fetchMetrics({ accessToken, externalAccountId, externalPostIds }) {
      const out = new Map<string, RawMetrics>();
      if (externalAccountId.startsWith("urn:li:organization:")) {
        await organizationStats(externalAccountId, externalPostIds, accessToken, out);
      } else {
        await memberSocialActions(externalPostIds, accessToken, out);
      }
      return out;
    },
  };
  const { LINKEDIN_CLIENT_ID: clientId, LINKEDIN_CLIENT_SECRET: secret } = deps.config;
  if (clientId && secret) {
    client.refresh = async (refreshToken: string): Promise<TokenSet> => {
      const body = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: refreshToken,
        client_id: clientId,
        client_secret: secret,
      });
      const res = await send(
        deps,
        "linkedin",
        joinUrl(deps.config.LINKEDIN_OAUTH_BASE_URL, "/oauth/v2/accessToken"),
        {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body,
        },
      );
      if (res.status === 429) {
        throw new PlatformRateLimitError(
          "account",
          linkedinResetWaitMs(res.headers, deps.clock.now()),
          "LinkedIn token endpoint answered 429",
        );
      }
      if (res.status === 400 || res.status === 401)
        throw new RefreshRejectedError(`LinkedIn refused the refresh token (${res.status})`);
      if (!res.ok) failUnexpected("linkedin", res, "a token refresh");
      const tokens = tokenAnswer(await readJson(res), deps.clock.now());
      if (!tokens) throw new RefreshRejectedError("LinkedIn token endpoint answered without an access_token");
      return tokens;
    };
  }
  return client;
}
