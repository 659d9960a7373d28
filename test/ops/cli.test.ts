// The operator CLI as a child process (`tsx src/cli/main.ts ...`) against a fresh database and a unique
// Redis prefix: each command does what it says, in Postgres and in the BullMQ queue, with clear errors.
import { execFile } from "node:child_process";
import { Queue } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { NewJobRow } from "../../db/queries/jobs.js";
import { authenticateApiKey, createOrg } from "../../db/queries/orgs.js";
import { jobRuns, jobs, schedules } from "../../db/schema.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { eventually } from "../helpers/eventually.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";

let db: TestDatabase;
let redis: TestRedis;
let orgA = "";
let orgB = "";

beforeAll(async () => {
  [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  orgA = (await createOrg(db.db, "org A")).org.id;
  orgB = (await createOrg(db.db, "org B")).org.id;
});
afterAll(async () => {
  await redis.cleanup();
  await db.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "node_modules/.bin/tsx",
      ["src/cli/main.ts", ...args],
      {
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: db.url,
          REDIS_URL: redis.url,
          REDIS_PREFIX: redis.prefix,
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const json = <T>(r: Run): T => {
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
};

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);
let n = 0;
async function seed(row: Partial<NewJobRow> & Pick<NewJobRow, "type" | "status">): Promise<string> {
  const id = `job_cli${++n}${Date.now().toString(36)}`;
  await db.db.insert(jobs).values({
    id,
    orgId: orgA,
    userId: "u1",
    priority: "normal",
    payload: { n },
    maxAttempts: 4,
    attempts: row.status === "failed" ? 4 : 0,
    ...row,
  });
  return id;
}

async function statusOf(id: string) {
  const [row] = await db.db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, id));
  return row?.status;
}

// Each command is a fresh tsx process (seconds each on a busy machine), hence the long timeout.
describe("operator CLI", { timeout: 120_000 }, () => {
  test("help and usage errors", async () => {
    const [help, none, unknown, badFlag] = await Promise.all([
      cli("--help"),
      cli(),
      cli("frobnicate"),
      cli("jobs:list", "--colour", "red"),
    ]);
    expect(help.code).toBe(0);
    for (const c of ["orgs:create", "keys:revoke", "jobs:list", "jobs:retry-failed", "schedules"])
      expect(help.stdout).toContain(c);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage:");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("--colour");
  });

  test("creates an organization with a working API key, adds a key and revokes it", async () => {
    const created = json<{ org: { id: string; name: string }; apiKey: string }>(
      await cli("orgs:create", "Acme Co", "--json"),
    );
    expect(created.org.name).toBe("Acme Co");
    expect((await authenticateApiKey(db.db, created.apiKey))?.orgId).toBe(created.org.id);

    const key = json<{ apiKeyId: string; apiKey: string }>(
      await cli("keys:create", created.org.id, "--name", "ci", "--json"),
    );
    expect((await authenticateApiKey(db.db, key.apiKey))?.orgId).toBe(created.org.id);

    const revoked = await cli("keys:revoke", key.apiKeyId);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${key.apiKeyId}`);
    expect(await authenticateApiKey(db.db, key.apiKey)).toBeNull();
    expect(await authenticateApiKey(db.db, created.apiKey)).not.toBeNull();

    const [again, missing] = await Promise.all([
      cli("keys:revoke", key.apiKeyId),
      cli("keys:revoke", "key_nope"),
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already revoked");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("key_nope not found");
  });

  test("lists jobs by status, type and organization, and shows a job with its runs", async () => {
    const failedScrape = await seed({ type: "scrape", status: "failed", finishedAt: hoursAgo(1) });
    const failedOther = await seed({ type: "content-generation", status: "failed", finishedAt: hoursAgo(1) });
    const queuedB = await seed({ type: "scrape", status: "queued", orgId: orgB });
    const done = await seed({ type: "scrape", status: "completed", finishedAt: hoursAgo(1) });
    await db.db.insert(jobRuns).values([
      {
        id: "run_cli1",
        jobId: done,
        attempt: 1,
        startedAt: hoursAgo(2),
        finishedAt: hoursAgo(2),
        durationMs: 1200,
        outcome: "retry",
        httpStatus: 503,
        errorCode: "upstream_down",
        error: "upstream answered 503",
      },
      {
        id: "run_cli2",
        jobId: done,
        attempt: 2,
        startedAt: hoursAgo(1),
        finishedAt: hoursAgo(1),
        durationMs: 300,
        outcome: "completed",
        httpStatus: 200,
      },
    ]);
    const [failed, byOrg, text, shown, shownText, missing, badStatus] = await Promise.all([
      cli("jobs:list", "--status", "failed", "--type", "scrape", "--json"),
      cli("jobs:list", "--org", orgB, "--json"),
      cli("jobs:list", "--status", "failed"),
      cli("jobs:show", done, "--json"),
      cli("jobs:show", done),
      cli("jobs:show", "job_missing"),
      cli("jobs:list", "--status", "broken"),
    ]);
    const ids = (r: Run) => json<{ items: { id: string }[] }>(r).items.map((j) => j.id);
    expect(ids(failed)).toContain(failedScrape);
    expect(ids(failed)).not.toContain(failedOther);
    expect(ids(byOrg)).toEqual([queuedB]);
    expect(text.stdout).toContain(failedScrape);
    expect(text.stdout).toContain(failedOther);
    expect(text.stdout).not.toContain(done);
    const detail = json<{
      job: { id: string; status: string };
      runs: { outcome: string; httpStatus: number }[];
    }>(shown);
    expect(detail.job).toMatchObject({ id: done, status: "completed" });
    expect(detail.runs.map((r) => [r.outcome, r.httpStatus])).toEqual([
      ["retry", 503],
      ["completed", 200],
    ]);
    expect(shownText.stdout).toContain("upstream_down upstream answered 503");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("job job_missing not found");
    expect(badStatus.code).toBe(2);
  });

  test("retries and cancels jobs in Postgres and in the queue", async () => {
    const failed = await seed({
      type: "scrape",
      status: "failed",
      finishedAt: hoursAgo(1),
      errorCode: "blocked",
    });
    const queued = await seed({ type: "scrape", status: "queued" });
    const completed = await seed({ type: "scrape", status: "completed", finishedAt: hoursAgo(1) });
    const queue = new Queue("scrape", { connection: redis.client, prefix: redis.prefix });
    await queue.add("scrape", { orgId: orgA, userId: "u1" }, { jobId: queued, delay: 3600_000 });
    try {
      const [retry, cancel, notRetryable] = await Promise.all([
        cli("jobs:retry", failed),
        cli("jobs:cancel", queued),
        cli("jobs:retry", completed),
      ]);
      expect(retry.code).toBe(0);
      expect(retry.stdout).toContain(`${failed} is queued again (was failed)`);
      expect(await statusOf(failed)).toBe("queued");
      expect(await queue.getJob(failed)).toBeDefined();

      expect(cancel.code).toBe(0);
      expect(await statusOf(queued)).toBe("cancelled");
      expect(await queue.getJob(queued)).toBeUndefined();

      expect(notRetryable.code).toBe(1);
      expect(notRetryable.stderr).toContain("only failed or cancelled jobs can be retried");
      expect(await statusOf(completed)).toBe("completed");
    } finally {
      await queue.close();
    }
  });

  test("retries every failed job of a type since a time, across organizations", async () => {
    const recentA = await seed({ type: "analytics-sync", status: "failed", finishedAt: hoursAgo(2) });
    const recentB = await seed({
      type: "analytics-sync",
      status: "failed",
      finishedAt: hoursAgo(3),
      orgId: orgB,
    });
    const old = await seed({ type: "analytics-sync", status: "failed", finishedAt: hoursAgo(72) });
    const otherType = await seed({ type: "content-generation", status: "failed", finishedAt: hoursAgo(2) });
    const dry = json<{ matched: number; retried: string[] }>(
      await cli("jobs:retry-failed", "--type", "analytics-sync", "--since", "1d", "--dry-run", "--json"),
    );
    expect(dry).toMatchObject({ matched: 2, retried: [] });
    expect(await statusOf(recentA)).toBe("failed");

    const [done, missingSince] = await Promise.all([
      cli("jobs:retry-failed", "--type", "analytics-sync", "--since", "1d", "--json"),
      cli("jobs:retry-failed", "--type", "analytics-sync"),
    ]);
    expect(json<{ retried: string[] }>(done).retried.sort()).toEqual([recentA, recentB].sort());
    expect(await statusOf(recentA)).toBe("queued");
    expect(await statusOf(recentB)).toBe("queued");
    expect(await statusOf(old)).toBe("failed");
    expect(await statusOf(otherType)).toBe("failed");
    expect(missingSince.code).toBe(2);
    expect(missingSince.stderr).toContain("--since");
  });

  test("shows schedules", async () => {
    await db.db
      .insert(schedules)
      .values({ jobType: "analytics-sync", cron: "0 */6 * * *", skippedCount: 3, nextRunAt: hoursAgo(-1) })
      .onConflictDoNothing();
    const [text, data] = await Promise.all([cli("schedules"), cli("schedules", "--json")]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/analytics-sync\s+0 \*\/6 \* \* \*\s+UTC\s+true\s+default\s/);
    expect(text.stdout).toMatch(/source\s+last sync\s+sync error/);
    const items = json<{ items: { jobType: string; skippedCount: number; source: string }[] }>(data).items;
    const row = items.find((s) => s.jobType === "analytics-sync");
    expect(row?.skippedCount).toBeGreaterThanOrEqual(0);
    expect(row?.source).toBe("default");
  });

  test("lists the circuit breakers and closes an open one", async () => {
    // An open breaker as the relays leave it in Redis (src/flow/flow-scripts.ts).
    const key = `${redis.prefix}:breaker:platform:twitter`;
    await redis.client.hset(key, "state", "open", "cooldown", 30_000, "nextProbe", Date.now() + 30_000);
    await redis.client.sadd(`${redis.prefix}:breakers`, "platform:twitter");
    const listed = json<{ items: { dependency: string; state: string }[] }>(await cli("breakers", "--json"));
    expect(listed.items).toContainEqual(
      expect.objectContaining({ dependency: "platform:twitter", state: "open" }),
    );
    expect((await cli("breakers:close")).code).toBe(2);
    expect((await cli("breakers:close", "nope")).code).toBe(1);
    const closed = json<{ breaker: { state: string }; woken: number }>(
      await cli("breakers:close", "platform:twitter", "--json"),
    );
    expect(closed).toMatchObject({ breaker: { state: "closed" }, woken: 0 });
    expect(await redis.client.hget(key, "state")).toBe("closed");
  });

  test("pauses a type, lists it and resumes it, announcing each change to the relays", async () => {
    const sub = redis.client.duplicate();
    const messages: string[] = [];
    sub.on("message", (_c, m: string) => messages.push(m));
    await sub.subscribe(`${redis.prefix}:pauses`);
    try {
      expect((await cli("pause")).code).toBe(2); // needs --type or --org
      const made = json<{ pause: { id: string; key: string } }>(
        await cli("pause", "--type", "scrape", "--json"),
      );
      expect(made.pause.key).toBe("scrape/*");
      const listed = await cli("pauses");
      expect(listed.stdout).toContain(made.pause.id);
      expect(json<{ pause: { id: string } }>(await cli("resume", made.pause.id, "--json")).pause.id).toBe(
        made.pause.id,
      );
      expect((await cli("resume", made.pause.id)).code).toBe(1);
      await eventually(() => messages.length >= 2);
    } finally {
      sub.disconnect();
    }
  });
});
