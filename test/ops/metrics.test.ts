// /metrics through the real service: counts by type and outcome after real jobs ran, scrape-time gauges,
// and the token check (ADMIN_TOKEN or METRICS_TOKEN).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { ADMIN_TOKEN, jobOf, startTestService, type TestService } from "../helpers/service.js";

const METRICS_TOKEN = "metrics-token-0123456789";
let t: TestService;
beforeAll(async () => {
  t = await startTestService({ env: { METRICS_TOKEN } });
});
afterAll(() => t.stop());

async function scrape(token = METRICS_TOKEN): Promise<string> {
  const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
}

/** The value of one sample, matched by name and every given label. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return null;
}

async function enqueue(type: string, payload: unknown): Promise<string> {
  const res = await t.api("/v1/jobs", { method: "POST", json: { type, userId: "u1", payload } });
  expect(res.status).toBe(202);
  return ((await res.json()) as { job: { id: string } }).job.id;
}

async function finished(id: string, status: string) {
  await eventually(async () => (await jobOf(t, id)).status === status, {
    message: `job ${id} ${status}`,
    timeoutMs: 15_000,
  });
}

describe("/metrics", () => {
  test("refuses a scrape without a token or with a wrong one", async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${t.url}/metrics`, {
      headers: { authorization: "Bearer nope-nope-nope-nope" },
    });
    expect(wrong.status).toBe(401);
    expect(await scrape(ADMIN_TOKEN)).toContain("flywheel_redis_up");
    const basic = Buffer.from(`prometheus:${METRICS_TOKEN}`).toString("base64");
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Basic ${basic}` } });
    expect(res.status).toBe(200);
  });

  test("counts jobs by type and outcome, attempt durations, handler answers and queue depth", async () => {
    const ok1 = await enqueue("echo", { value: "a" });
    const ok2 = await enqueue("echo", { value: "b" });
    const failed = await enqueue("scripted", { script: ["422"] });
    const retried = await enqueue("scripted", { script: ["503", "ok"] });
    const limited = await enqueue("scripted", { script: ["429:1", "ok"] });
    await Promise.all([
      finished(ok1, "completed"),
      finished(ok2, "completed"),
      finished(failed, "failed"),
      finished(retried, "completed"),
      finished(limited, "completed"),
    ]);
    // A dedup skip: the first job stays queued (runs in an hour), the second enqueue answers it.
    const runAt = new Date(Date.now() + 3600_000);
    const base = { orgId: t.orgId, userId: "u1", type: "echo", priority: "normal" as const, runAt };
    await t.service.jobs.enqueue({ ...base, payload: { value: "d" }, dedupKey: "metrics-dedup" });
    const again = await t.service.jobs.enqueue({
      ...base,
      payload: { value: "d" },
      dedupKey: "metrics-dedup",
    });
    expect(again.created).toBe(false);

    const text = await eventually(async () => {
      const s = await scrape();
      return sample(s, "flywheel_jobs_completed_total", { type: "scripted" }) === 2 ? s : null;
    });
    expect(sample(text, "flywheel_jobs_enqueued_total", { type: "echo" })).toBe(3);
    expect(sample(text, "flywheel_jobs_enqueued_total", { type: "scripted" })).toBe(3);
    expect(sample(text, "flywheel_jobs_skipped_total", { type: "echo" })).toBe(1);
    expect(sample(text, "flywheel_jobs_completed_total", { type: "echo" })).toBe(2);
    expect(sample(text, "flywheel_jobs_failed_total", { type: "scripted" })).toBe(1);
    expect(sample(text, "flywheel_jobs_retried_total", { type: "scripted" })).toBe(1);
    expect(sample(text, "flywheel_jobs_rate_limited_total", { type: "scripted" })).toBe(1);
    expect(sample(text, "flywheel_handler_responses_total", { type: "echo", status: "200" })).toBe(2);
    expect(sample(text, "flywheel_handler_responses_total", { type: "scripted", status: "200" })).toBe(2);
    expect(sample(text, "flywheel_handler_responses_total", { type: "scripted", status: "422" })).toBe(1);
    expect(sample(text, "flywheel_handler_responses_total", { type: "scripted", status: "503" })).toBe(1);
    expect(sample(text, "flywheel_handler_responses_total", { type: "scripted", status: "429" })).toBe(1);
    const durations = { type: "scripted", outcome: "completed" };
    expect(sample(text, "flywheel_job_attempt_duration_seconds_count", durations)).toBe(2);
    expect(sample(text, "flywheel_job_attempt_duration_seconds_bucket", { ...durations, le: "+Inf" })).toBe(
      2,
    );
    expect(
      sample(text, "flywheel_job_attempt_duration_seconds_count", { type: "scripted", outcome: "failed" }),
    ).toBe(1);
    // The deduplicated job waits in the echo queue (delayed until its runAt).
    expect(sample(text, "flywheel_queue_depth", { type: "echo", state: "delayed" })).toBe(1);
    expect(sample(text, "flywheel_queue_depth", { type: "scripted", state: "active" })).toBe(0);
    expect(sample(text, "flywheel_relay_in_flight")).toBe(0);
    expect(sample(text, "flywheel_redis_up")).toBe(1);
    expect(sample(text, "flywheel_postgres_up")).toBe(1);
    expect(text).toContain("flywheel_process_cpu_seconds_total");
  });

  test("schedule lag is how far past due an enabled schedule is", async () => {
    const { sql } = await import("drizzle-orm");
    await t.db.db.execute(sql`
      insert into schedules (job_type, cron, enabled, next_run_at)
      values ('echo', '*/5 * * * *', true, now() - interval '90 seconds')
      on conflict (job_type) do update set next_run_at = excluded.next_run_at, enabled = true`);
    await t.db.db.execute(sql`update schedules set skipped_count = 4 where job_type = 'echo'`);
    const text = await scrape();
    const lag = sample(text, "flywheel_schedule_lag_seconds", { type: "echo" });
    expect(lag).toBeGreaterThanOrEqual(89);
    expect(lag).toBeLessThan(200);
    expect(sample(text, "flywheel_schedule_skipped_targets", { type: "echo" })).toBe(4);
  });
});
