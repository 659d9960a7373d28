// Scenario 9, scale: one relay with RELAY_CONCURRENCY=1000 and waves of 1,000 `sleep` jobs whose handler
// answers after 10 s, enqueued at once. jobs/s = jobs / (first created_at → last finished_at), ideal 100;
// and the relay process's peak RSS. Scenario 2's waves (concurrency.ts) at ten times the width and time;
// raw: a Worker child process at concurrency 1,000 sleeping 10 s.
import type { ScenarioResult } from "../report.js";
import { rawWaveRuns, systemWaveRuns, type WaveShape, waveRows } from "./concurrency.js";
import type { ScenarioContext } from "./context.js";

const WIDTH = 1_000;

export async function scale(ctx: ScenarioContext): Promise<ScenarioResult> {
  // --quick: the same width, 2-s jobs (the ideal is then 500 jobs/s).
  const handlerMs = ctx.quick ? 2_000 : 10_000;
  const ideal = WIDTH / (handlerMs / 1000);
  const shape: WaveShape = {
    wave: WIDTH,
    handlerMs,
    tag: "scale",
    relayEnv: { RELAY_CONCURRENCY: String(WIDTH) },
    // 1,000 jobs a wave over 10 organizations: more than the default enqueue limit allows a minute.
    handlersEnv: { ENQUEUE_RATE_LIMIT: "0" },
  };
  const raw = await rawWaveRuns(ctx, 1, shape);
  const system = await systemWaveRuns(ctx, 1, shape);
  const rows = waveRows(
    "9 scale",
    `${WIDTH.toLocaleString("en-US")} concurrent ${handlerMs / 1000}-s jobs, RELAY_CONCURRENCY=${WIDTH}`,
    system,
    raw,
    { jobsPerS: ideal * 0.95, jobsLabel: `≥ ${ideal * 0.95} jobs/s (95 % of ${ideal})`, rssMb: 300 },
  );
  return {
    rows,
    sections: [
      `**9 scale.** Scenario 2's measurement at ${WIDTH.toLocaleString("en-US")} jobs a wave: one wave per run of ${WIDTH.toLocaleString("en-US")} \`sleep\` jobs (the handler answers after ${handlerMs / 1000} s) over 10 organizations × 10 users (ORG_MAX_ACTIVE at its default 50, so every organization is past its soft cap and the cap lends), all enqueued at once in this process (ENQUEUE_RATE_LIMIT off: 1,000 jobs a wave is more than its default allows); jobs/s = ${WIDTH.toLocaleString("en-US")} / (first \`created_at\` → last \`finished_at\`), ideal ${ideal}. The relay is one child process (ROLE=relay, RELAY_CONCURRENCY=${WIDTH}, the production build started with plain \`node\`), its peak RSS sampled every 100 ms; the handlers run in this process. Raw: a Worker child process at concurrency ${WIDTH.toLocaleString("en-US")} whose processor sleeps ${handlerMs / 1000} s.`,
    ],
  };
}
