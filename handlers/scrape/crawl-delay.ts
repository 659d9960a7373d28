// Crawl-delay spacing per host, shared by every relay and handler through the kit's kv: a request to a
// host takes the slot `crawl-slot:<host>` for the delay (SET NX PX); a request finding it taken waits
// until the time the slot holder wrote, then tries again. Real time (Date.now), since it really sleeps.
import type { HandlerContext, Kv } from "../kit/context.js";
import { RetryableError } from "../kit/errors.js";
import type { RobotsRules } from "./robots.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits for `host`'s next Crawl-delay slot and takes it. Answers false, without taking it, when the slot
 * would come after `deadline` (epoch ms): the caller stops and leaves the page for a later scrape.
 */
export async function takeCrawlSlot(
  kv: Kv,
  host: string,
  delayMs: number,
  deadline: number,
): Promise<boolean> {
  if (delayMs <= 0) return true;
  const key = `crawl-slot:${host}`;
  for (;;) {
    const now = Date.now();
    if (await kv.setIfAbsent(key, String(now + delayMs), Math.ceil(delayMs))) return true;
    const freeAt = Number(await kv.get(key)) || now + 10;
    if (freeAt > deadline) return false;
    await sleep(Math.max(5, freeAt - now));
  }
}

/**
 * The `beforeRequest` of every scrape fetch: robots.txt must allow the URL (else PermanentError
 * `robots_disallowed`), then the host's Crawl-delay slot is taken; RetryableError `crawl_delay` when that
 * slot comes after `deadline` (epoch ms).
 */
export function politeRequest(
  ctx: HandlerContext,
  robots: RobotsRules,
  deadline: number,
): (url: URL) => Promise<void> {
  return async (url) => {
    await robots.assertAllowed(url);
    const delayMs = await robots.crawlDelayMs(url);
    if (!(await takeCrawlSlot(ctx.kv, url.host, delayMs, deadline))) {
      throw new RetryableError(
        "crawl_delay",
        `${url.host} asks for ${delayMs / 1000} s between requests (Crawl-delay); the next slot is after this scrape's deadline`,
      );
    }
  };
}
