// What the flow-control benchmarks (scenarios/quota.ts, scenarios/outage.ts) share: the real service
// (ROLE=all, in this process) with the real `content-generation` handler pointed at the bench's OpenAI
// (openai-limited.ts), its log lines watched for the breaker's messages, content jobs posted through
// POST /v1/jobs, and the jobs' outcome read from Postgres.
import { Writable } from "node:stream";
import type pg from "pg";
import { contentGeneration } from "../handlers/content-generation/index.js";
import { createCatalog } from "../handlers/kit/catalog.js";
import { parseConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { type Service, startService } from "../src/service.js";
import { FOUR_PLATFORM_POSTS } from "../test/fakes/content-replies.js";
import type { BenchEnv } from "./env.js";
import { type LimitedOpenAi, startLimitedOpenAi } from "./openai-limited.js";
import { serviceEnv, type Tenant, tenantOf } from "./system.js";

const OPENAI_KEY = "sk-bench-flow-0123456789";

/** The bench's OpenAI (openai-limited.ts) answering every call with a valid four-platform reply. */
export function startContentOpenAi(o: {
  limit: number;
  tokenLimit: number;
  windowMs: number;
  headers: boolean;
}): Promise<LimitedOpenAi> {
  return startLimitedOpenAi({ apiKey: OPENAI_KEY, content: FOUR_PLATFORM_POSTS, ...o });
}

/** Log lines whose message is one of `messages`, with the time they were written. */
export interface LogWatch {
  seen: { msg: string; at: number }[];
  count(msg: string): number;
}

function watchingLogger(messages: readonly string[]) {
  const watch: LogWatch = {
    seen: [],
    count: (msg) => watch.seen.filter((s) => s.msg === msg).length,
  };
  let buffer = "";
  const sink = new Writable({
    write(chunk, _enc, done) {
      buffer += String(chunk);
      let nl = buffer.indexOf("\n");
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const msg = /"msg":"([^"]*)"/.exec(line)?.[1];
        if (msg && messages.includes(msg)) watch.seen.push({ msg, at: Date.now() });
        nl = buffer.indexOf("\n");
      }
      done();
    },
  });
  return { log: createLogger({ level: "info", destination: sink }), watch };
}

/** The service with the real content-generation type calling `openaiBaseUrl`; `extra` overrides its env. */
export async function startContentService(
  env: BenchEnv,
  prefix: string,
  openaiBaseUrl: string,
  extra: Record<string, string>,
  watchFor: readonly string[] = [],
): Promise<{ service: Service; watch: LogWatch }> {
  const config = parseConfig(
    serviceEnv(env, prefix, { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: openaiBaseUrl, ...extra }),
  );
  const { log, watch } = watchingLogger(watchFor);
  const service = await startService(config, { log, catalog: createCatalog([contentGeneration]) });
  return { service, watch };
}

/** Posts `n` content jobs (default payload: all four platforms) through POST /v1/jobs, 64 in flight. */
export async function postContentJobs(service: Service, tenants: Tenant[], n: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      const { apiKey, userId } = tenantOf(tenants, i);
      const res = await fetch(`${service.url}/v1/jobs`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          type: "content-generation",
          userId,
          payload: { topic: `Rooftop solar for homeowners, take ${i}` },
        }),
      });
      if (res.status !== 202) throw new Error(`POST /v1/jobs answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: Math.min(64, n) }, lane));
}

export interface JobsOutcome {
  jobs: number;
  completed: number;
  failed: number;
  /** Sum of every job's attempts. */
  attempts: number;
  /** Jobs with more than one attempt. */
  retried: number;
  /** The last job's finished_at. */
  lastFinished: Date | null;
  /** Notifications for users (outside the operators' org `_system`). */
  userNotifications: number;
}

export async function jobsOutcome(client: pg.Client): Promise<JobsOutcome> {
  const j = (
    await client.query(`select count(*)::int as jobs,
        count(*) filter (where status = 'completed')::int as completed,
        count(*) filter (where status = 'failed')::int as failed,
        coalesce(sum(attempts), 0)::int as attempts,
        count(*) filter (where attempts > 1)::int as retried,
        max(finished_at) as last
      from jobs`)
  ).rows[0] as {
    jobs: number;
    completed: number;
    failed: number;
    attempts: number;
    retried: number;
    last: Date | null;
  };
  const n = (await client.query("select count(*)::int as n from notifications where org_id <> '_system'"))
    .rows[0] as { n: number };
  return { ...j, lastFinished: j.last, userNotifications: n.n };
}
