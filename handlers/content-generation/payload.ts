// The `content-generation` payload (validated at the API before queueing and again in the handler).
import { z } from "zod";
import { PLATFORMS } from "../kit/platforms.js";

export const contentGenerationPayload = z.object({
  /** What the posts are about. */
  topic: z.string().trim().min(1).max(500),
  /** Which platforms to write for. @default all four */
  platforms: z
    .array(z.enum(PLATFORMS))
    .min(1)
    .refine((list) => new Set(list).size === list.length, "platforms must not repeat")
    .default([...PLATFORMS]),
  /** e.g. "friendly", "authoritative". */
  tone: z.string().trim().min(1).max(100).optional(),
  /** Who the posts speak to. */
  audience: z.string().trim().min(1).max(300).optional(),
  /** What the reader should do next, e.g. "Sign up for the beta at example.com". */
  callToAction: z.string().trim().min(1).max(300).optional(),
  /** Only draw context from these sources of the user's library. */
  contextSourceIds: z.array(z.string().min(1).max(100)).min(1).max(50).optional(),
  /** Variations written per platform, 1-3. @default 1 */
  variationsPerPlatform: z.number().int().min(1).max(3).default(1),
});

export type ContentGenerationPayload = z.output<typeof contentGenerationPayload>;
