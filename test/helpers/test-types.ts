// Job types for the core pipeline's tests. `scripted` answers each call from its payload's script, so a
// test states exactly what the handler does on every call: "ok", "503", "500", "422", "400", "429:<s>",
// "401", "sleep:<ms>" (then ok), "nul" (422 whose message holds a NUL character), "throw" (unexpected
// crash → 500).
import { z } from "zod";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { defineJobType } from "../../handlers/kit/define.js";
import {
  PermanentError,
  RateLimitedError,
  RetryableError,
  SignatureRejectedError,
} from "../../handlers/kit/errors.js";

export const calls = new Map<string, number>();

export const echo = defineJobType({
  type: "echo",
  payload: z.object({ value: z.string().min(1), delayMs: z.number().int().min(0).max(60_000).optional() }),
  timeoutMs: 10_000,
  async run(_ctx, job) {
    calls.set(job.jobId, (calls.get(job.jobId) ?? 0) + 1);
    if (job.payload.delayMs) await new Promise((r) => setTimeout(r, job.payload.delayMs));
    return { echo: job.payload.value, attempt: job.attempt };
  },
});

export const scripted = defineJobType({
  type: "scripted",
  payload: z.object({ script: z.array(z.string()).min(1) }),
  timeoutMs: 1_000,
  async run(_ctx, job) {
    const n = (calls.get(job.jobId) ?? 0) + 1;
    calls.set(job.jobId, n);
    const step = job.payload.script[Math.min(n, job.payload.script.length) - 1]!;
    const [kind, arg] = step.split(":");
    switch (kind) {
      case "ok":
        return { ok: true, call: n };
      case "503":
      case "500":
        throw new RetryableError("upstream_down", `upstream answered ${kind}`);
      case "422":
        throw new PermanentError("token_revoked", "the token was revoked");
      case "429":
        throw new RateLimitedError(Number(arg ?? 1) * 1000, "slow down");
      case "401":
        throw new SignatureRejectedError("pretend the keys differ");
      case "nul":
        throw new PermanentError("bad_text", "upstream said \u0000 here");
      case "sleep":
        await new Promise((r) => setTimeout(r, Number(arg)));
        return { ok: true, call: n };
      default:
        throw new Error(`script step ${step}`);
    }
  },
});

export const testCatalog = createCatalog([echo, scripted]);
