// A job type for the flow-control tests: `ai-call` makes one chat-completions call to a fake OpenAI server
// (test/fakes/openai-server.ts with openai-limits.ts) named by its payload, reports the quota its answer
// states (the real openaiQuotaReports), and maps 429 / 5xx to the kit's errors as the real handler does.
// Its needs: the breaker `fake-ai:<provider>` and the quota class `openai:<provider>`.
import { z } from "zod";
import { openaiQuotaReports, parseResetDuration } from "../../handlers/content-generation/openai-quota.js";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { defineJobType } from "../../handlers/kit/define.js";
import { RateLimitedError, RetryableError } from "../../handlers/kit/errors.js";
import { reportQuota } from "../../handlers/kit/quota.js";
import { echo, scripted } from "./test-types.js";

/** Provider name → the fake's base URL (…/v1). */
export const providers = new Map<string, string>();

export const aiCall = defineJobType({
  type: "ai-call",
  payload: z.object({ provider: z.string().min(1) }),
  timeoutMs: 5_000,
  needs: async (_ctx, p) => ({ dependency: `fake-ai:${p.provider}`, quota: `openai:${p.provider}` }),
  async run(ctx, job) {
    const base = providers.get(job.payload.provider);
    if (!base) throw new Error(`no fake provider ${job.payload.provider}`);
    const res = await fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
      body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
    });
    const now = Date.now();
    const model = "gpt-test";
    for (const r of openaiQuotaReports(res.headers, {
      keyId: job.payload.provider,
      model,
      now,
      tokenCost: 10,
    }))
      reportQuota(ctx, r);
    await res.arrayBuffer();
    if (res.status === 429)
      throw new RateLimitedError(parseResetDuration(res.headers.get("x-ratelimit-reset-requests")) ?? 1_000);
    if (res.status >= 500)
      throw new RetryableError("upstream_unavailable", `provider answered ${res.status}`);
    return { ok: true };
  },
});

export const flowCatalog = createCatalog([echo, scripted, aiCall]);
