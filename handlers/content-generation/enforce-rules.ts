// The last gate before saving: every post brought within its platform's limits (shortened where needed).
import { RetryableError } from "../kit/errors.js";
import type { Platform } from "../kit/platforms.js";
import { checkPost } from "./platform-rules.js";
import { shortenForPlatform } from "./shorten.js";

/** Every post brought within its platform's limits; throws rather than let anything over a limit through. */
export function enforceRules(
  posts: Partial<Record<Platform, string[]>>,
): Partial<Record<Platform, string[]>> {
  const out: Partial<Record<Platform, string[]>> = {};
  for (const [platform, texts] of Object.entries(posts) as Array<[Platform, string[]]>) {
    out[platform] = texts.map((text) => {
      const fitted = shortenForPlatform(platform, text.trim());
      const problems = checkPost(platform, fitted);
      if (problems.length)
        throw new RetryableError("post_unusable", `could not produce a usable post: ${problems.join("; ")}`);
      return fitted;
    });
  }
  return out;
}
