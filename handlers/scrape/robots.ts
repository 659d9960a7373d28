// robots.txt per origin (RFC 9309), parsed with robots-parser: fetched once and cached 24 h in the kit's kv
// (shared by every relay and handler); a 4xx means everything is allowed, a 5xx, 429, timeout or network
// failure is transient (RetryableError `robots_unavailable`). Rules for SCRAPER_USER_AGENT's product token, or `*`.
import robotsModule from "robots-parser";
import type { HandlerContext } from "../kit/context.js";
import { isErrorNamed, PermanentError, RetryableError } from "../kit/errors.js";
import { fetchSource } from "./fetch-source.js";

/** How long a robots.txt answer is trusted. @default 24 h */
export const ROBOTS_TTL_MS = 24 * 60 * 60 * 1000;
/** RFC 9309 asks crawlers to parse at least 500 KiB; what follows is ignored. */
const MAX_ROBOTS_CHARS = 500 * 1024;

// CommonJS whose typings declare an ES default export: at run time (Node and esbuild alike) the default
// import is `module.exports`, the parser function itself.
const robotsParser = robotsModule as unknown as typeof robotsModule.default;
type Robot = ReturnType<typeof robotsParser>;

/** The robots.txt of each origin a scrape touches, read from kv or fetched once per job. */
export class RobotsRules {
  private readonly parsed = new Map<string, Promise<Robot | null>>();

  constructor(private readonly ctx: HandlerContext) {}

  /** The parsed rules of `url`'s origin; null when everything is allowed (no robots.txt). */
  rules(url: URL): Promise<Robot | null> {
    let rules = this.parsed.get(url.origin);
    if (!rules) {
      rules = this.load(url.origin);
      // A failed load is not kept: the next page of the same job may try again.
      rules.catch(() => this.parsed.delete(url.origin));
      this.parsed.set(url.origin, rules);
    }
    return rules;
  }

  async isAllowed(url: URL): Promise<boolean> {
    const rules = await this.rules(url);
    return rules?.isAllowed(url.href, this.ctx.config.SCRAPER_USER_AGENT) !== false;
  }

  /** Throws PermanentError `robots_disallowed` (422) when robots.txt forbids `url` to our user agent. */
  async assertAllowed(url: URL): Promise<void> {
    if (await this.isAllowed(url)) return;
    throw new PermanentError(
      "robots_disallowed",
      `${url.href} is disallowed by ${url.origin}/robots.txt for ${productToken(this.ctx.config.SCRAPER_USER_AGENT)}`,
    );
  }

  /** Crawl-delay for our user agent in ms (0 when none). */
  async crawlDelayMs(url: URL): Promise<number> {
    const delay = (await this.rules(url))?.getCrawlDelay(this.ctx.config.SCRAPER_USER_AGENT);
    return delay && Number.isFinite(delay) && delay > 0 ? delay * 1000 : 0;
  }

  /** The `Sitemap:` URLs of `url`'s origin. */
  async sitemaps(url: URL): Promise<string[]> {
    return (await this.rules(url))?.getSitemaps() ?? [];
  }

  private async load(origin: string): Promise<Robot | null> {
    const key = `robots:${origin}`;
    const robotsUrl = `${origin}/robots.txt`;
    let body = await this.ctx.kv.get(key);
    if (body === null) {
      body = await fetchRobots(this.ctx, robotsUrl);
      await this.ctx.kv.set(key, body, ROBOTS_TTL_MS);
    }
    return body ? robotsParser(robotsUrl, body) : null;
  }
}

/** "FlywheelBot/1.0 (+https://...)" → "FlywheelBot": the token robots.txt groups name. */
export function productToken(userAgent: string): string {
  return userAgent.split(/[/\s]/)[0] ?? userAgent;
}

/** The robots.txt text, "" when the origin has none (any 4xx); throws RetryableError when unreachable. */
async function fetchRobots(ctx: HandlerContext, robotsUrl: string): Promise<string> {
  try {
    const out = await fetchSource(ctx, robotsUrl, { accept: "text/plain,*/*;q=0.1" });
    return out.notModified ? "" : out.body.slice(0, MAX_ROBOTS_CHARS);
  } catch (err) {
    if (isErrorNamed<PermanentError>(err, "PermanentError")) {
      // 404, 410, 401, 403, other 4xx: RFC 9309 "unavailable", crawl freely. A blocked URL stays blocked.
      if (["source_not_found", "source_gone", "source_refused"].includes(err.code)) return "";
      if (err.code === "body_too_large") return "";
      throw err;
    }
    // An unreachable host keeps its own code (network, fetch_timeout); a 5xx or 429 answer is robots_unavailable.
    const code = isErrorNamed<RetryableError>(err, "RetryableError") ? err.code : "network";
    if (code !== "source_unavailable" && code !== "source_rate_limited") throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new RetryableError("robots_unavailable", `${robotsUrl} could not be read (${why}); retry later`, {
      cause: err,
    });
  }
}
