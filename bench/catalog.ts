// The benchmark's job types: `noop` answers at once (the handler kit still verifies the signature and the
// payload), `sleep` answers after `ms`, and `first-slow` sleeps `ms` on attempt 1 only (recovery: the first
// attempt is killed with its relay, the next one answers at once). `onStart` lets a scenario time the
// moment a handler starts.
import { z } from "zod";
import { createCatalog } from "../handlers/kit/catalog.js";
import { defineJobType } from "../handlers/kit/define.js";

export const handlerStarts: { onStart: ((seq: number, at: number) => void) | null } = { onStart: null };

function pause(ms: number): Promise<void> {
  // unref: a sleep whose caller (a killed relay) is gone must not keep the benchmark alive.
  return new Promise((r) => setTimeout(r, ms).unref());
}

const noop = defineJobType({
  type: "noop",
  payload: z.object({ seq: z.number().int().nonnegative() }),
  timeoutMs: 30_000,
  async run(_ctx, job) {
    handlerStarts.onStart?.(job.payload.seq, performance.timeOrigin + performance.now());
    return { ok: true };
  },
});

const sleep = defineJobType({
  type: "sleep",
  payload: z.object({ ms: z.number().int().min(0).max(600_000) }),
  timeoutMs: 120_000,
  async run(_ctx, job) {
    await pause(job.payload.ms);
    return { ok: true };
  },
});

const firstSlow = defineJobType({
  type: "first-slow",
  payload: z.object({ ms: z.number().int().min(0).max(600_000) }),
  timeoutMs: 600_000,
  async run(_ctx, job) {
    if (job.attempt <= 1) await pause(job.payload.ms);
    return { ok: true, attempt: job.attempt };
  },
});

export const benchCatalog = createCatalog([noop, sleep, firstSlow]);
