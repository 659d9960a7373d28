// Live drafts of a content-generation job: as each platform variation of the streamed reply closes, an
// `event: draft` {jobId, platform, variation, text} and an `event: progress` {jobId, done, total} are written
// to the live-events outbox (published to SSE by the notifier). Drafts come before the final checks.
import { insertLiveEvents } from "../../db/queries/live-events.js";
import type { HandlerContext, JobEnvelope } from "../kit/context.js";
import { PLATFORMS, type Platform } from "../kit/platforms.js";
import { closedVariations } from "./json-scanner.js";
import { composePost } from "./platform-rules.js";
import { variationSchema } from "./prompt.js";

export class LiveDrafts {
  private readonly sent = new Set<string>();
  private seq = 0;

  constructor(
    private readonly ctx: Pick<HandlerContext, "db" | "clock">,
    private readonly job: Pick<JobEnvelope, "jobId" | "orgId" | "userId">,
    private readonly platforms: readonly Platform[],
    private readonly variations: number,
  ) {}

  get total(): number {
    return this.platforms.length * this.variations;
  }

  /** Called with the reply received so far; writes the events of variations that closed since the last call. */
  async onContent(soFar: string): Promise<void> {
    const rows = [];
    for (const v of closedVariations(soFar)) {
      const platform = v.platform as Platform;
      const key = `${platform}:${v.variation}`;
      if (this.sent.has(key) || !PLATFORMS.includes(platform) || !this.platforms.includes(platform)) continue;
      if (v.variation >= this.variations) continue;
      const parsed = variationSchema.safeParse(v.value);
      if (!parsed.success) continue;
      this.sent.add(key);
      const base = { orgId: this.job.orgId, userId: this.job.userId, jobId: this.job.jobId };
      const text = composePost(parsed.data.text, parsed.data.hashtags);
      rows.push(
        {
          ...base,
          kind: "draft" as const,
          seq: this.seq++,
          data: { jobId: this.job.jobId, platform, variation: v.variation, text },
        },
        {
          ...base,
          kind: "progress" as const,
          seq: this.seq++,
          data: { jobId: this.job.jobId, done: this.sent.size, total: this.total },
        },
      );
    }
    await insertLiveEvents(this.ctx.db, rows, this.ctx.clock.now());
  }
}
