// X API v2 client: Post lookup `GET /2/tweets?ids=…&tweet.fields=public_metrics,non_public_metrics` (≤100
// ids a request; non-public metrics need the author's user token and fall back to public ones), and the
// OAuth 2.0 refresh_token grant at `POST /2/oauth2/token`. Docs: docs.x.com/x-api/fundamentals/metrics.
import { xResetWaitMs } from "../rate-limits.js";
import { PlatformAuthError, PlatformRateLimitError, RefreshRejectedError } from "./errors.js";
import { chunks, failUnexpected, joinUrl, num, optNum, readJson, send, tokenAnswer } from "./http.js";
import type { PlatformClient, PlatformDeps, RawMetrics, TokenSet } from "./types.js";

/** Tweet ids per lookup request (the endpoint's maximum). */
export const X_BATCH = 100;

interface XTweet {
  id: string;
  text?: string;
  public_metrics?: Record<string, unknown>;
  non_public_metrics?: Record<string, unknown>;
}

function toMetrics(t: XTweet): RawMetrics {
  const pub = t.public_metrics ?? {};
  const priv = t.non_public_metrics ?? {};
  return {
    likes: num(pub.like_count),
    comments: num(pub.reply_count),
    // "Retweets and comments" as X clients show them = retweet_count + quote_count (docs).
    shares: num(pub.retweet_count) + num(pub.quote_count),
    impressions: num(priv.impression_count ?? pub.impression_count),
    clicks: optNum(priv.url_link_clicks),
    saves: optNum(pub.bookmark_count),
    text: t.text,
  };
}

function isFieldAuthError(json: unknown): boolean {
  const errors = (json as { errors?: Array<{ type?: string; title?: string }> } | null)?.errors;
  return !!errors?.some((e) => /not-authorized-for-field|Authorization Error/i.test(`${e.type} ${e.title}`));
}

export function xClient(deps: PlatformDeps): PlatformClient {
  const base = deps.config.X_API_BASE_URL;

  async function lookup(
    ids: string[],
    token: string,
    fields: string,
  ): Promise<{ tweets: XTweet[]; fieldDenied: boolean }> {
    const url = joinUrl(base, `/2/tweets?ids=${ids.join(",")}&tweet.fields=${fields}`);
    const res = await send(deps, "twitter", url, { headers: { authorization: `Bearer ${token}` } });
    if (res.status === 429) {
      throw new PlatformRateLimitError(
        "account",
        xResetWaitMs(res.headers, deps.clock.now()),
        "X answered 429",
      );
    }
    if (res.status === 401) throw new PlatformAuthError("X refused the access token (401)");
    const json = await readJson(res);
    if (res.status === 403 || (res.ok && isFieldAuthError(json) && !(json as { data?: unknown }).data)) {
      return { tweets: [], fieldDenied: true };
    }
    if (!res.ok) failUnexpected("twitter", res, "a tweet lookup");
    const remaining = Number(res.headers.get("x-rate-limit-remaining"));
    const reset = Number(res.headers.get("x-rate-limit-reset"));
    if (res.headers.has("x-rate-limit-remaining") && Number.isFinite(remaining) && reset > 0)
      deps.onQuota?.({ remaining, resetAt: reset * 1000 });
    return {
      tweets: ((json as { data?: XTweet[] } | null)?.data ?? []).filter((t) => t?.id),
      fieldDenied: false,
    };
  }

  const client: PlatformClient = {
    platform: "twitter",
    async fetchMetrics({ accessToken, externalPostIds }) {
      const out = new Map<string, RawMetrics>();
      for (const ids of chunks(externalPostIds, X_BATCH)) {
        let answer = await lookup(ids, accessToken, "public_metrics,non_public_metrics");
        // Non-public metrics exist only for the author's posts of the last 30 days.
        if (answer.fieldDenied) answer = await lookup(ids, accessToken, "public_metrics");
        for (const t of answer.tweets) out.set(t.id, toMetrics(t));
      }
      return out;
    },
  };
  const clientId = deps.config.X_CLIENT_ID;
  if (clientId) {
    client.refresh = async (refreshToken: string): Promise<TokenSet> => {
      const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
      const secret = deps.config.X_CLIENT_SECRET;
      // Confidential clients authenticate with HTTP Basic (docs: OAuth 2.0 Authorization Code Flow with PKCE).
      if (secret) headers.authorization = `Basic ${btoa(`${clientId}:${secret}`)}`;
      const body = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: refreshToken,
        client_id: clientId,
      });
      const res = await send(deps, "twitter", joinUrl(base, "/2/oauth2/token"), {
        method: "POST",
        headers,
        body,
      });
      if (res.status === 429) {
        throw new PlatformRateLimitError(
          "account",
          xResetWaitMs(res.headers, deps.clock.now()),
          "X token endpoint answered 429",
        );
      }
      if (res.status === 400 || res.status === 401)
        throw new RefreshRejectedError(`X refused the refresh token (${res.status})`);
      if (!res.ok) failUnexpected("twitter", res, "a token refresh");
      const tokens = tokenAnswer(await readJson(res), deps.clock.now());
      if (!tokens) throw new RefreshRejectedError("X token endpoint answered without an access_token");
      return tokens;
    };
  }
  return client;
}
