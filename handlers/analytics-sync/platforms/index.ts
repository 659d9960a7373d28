// Platform → client factory (a lookup table, not a switch spread through the sync).

import type { Platform } from "../../kit/platforms.js";
import { facebookClient } from "./facebook.js";
import { instagramClient } from "./instagram.js";
import { linkedinClient } from "./linkedin.js";
import type { PlatformClient, PlatformDeps } from "./types.js";
import { xClient } from "./x.js";

const factories: Record<Platform, (deps: PlatformDeps) => PlatformClient> = {
  twitter: xClient,
  linkedin: linkedinClient,
  facebook: facebookClient,
  instagram: instagramClient,
};

export function platformClient(platform: Platform, deps: PlatformDeps): PlatformClient {
  return factories[platform](deps);
}
