// CLI: list, show, retry and cancel jobs across organizations, and retry every failed job of a type since
// a time. Retry and cancel go through JobsService and the lifecycle, the same code the API runs.
import { getJob, type JobRow, listJobs, listRuns } from "../../../db/queries/jobs.js";
import { failedJobsSince } from "../../../db/queries/operator.js";
import { JOB_STATUSES, type JobStatus } from "../../../db/schema.js";
import { jobView, runView } from "../../jobs/view.js";
import { CliError } from "../context.js";
import { block, parseSince, table } from "../format.js";
import type { Command } from "./types.js";

async function mustGet(ctx: Parameters<Command["run"]>[0], id: string | undefined): Promise<JobRow> {
  if (!id) throw new CliError("a job id (job_...) is required", 2);
  const job = await getJob(ctx.pg.db, id);
  if (!job) throw new CliError(`job ${id} not found`);
  return job;
}

const withOrg = (j: JobRow) => ({ ...jobView(j), orgId: j.orgId, requestId: j.requestId });

export const jobCommands: Record<string, Command> = {
  "jobs:list": {
    usage: "jobs:list [--status <status>] [--type <type>] [--org <orgId>] [--user <userId>] [--limit <n>]",
    summary: "List jobs, newest first (default limit 50)",
    async run(ctx, { values }) {
      if (values.status && !(JOB_STATUSES as readonly string[]).includes(values.status))
        throw new CliError(`--status must be one of ${JOB_STATUSES.join(", ")}`, 2);
      const limit = Number(values.limit ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new CliError("--limit must be 1..1000", 2);
      const rows = await listJobs(ctx.pg.db, {
        orgId: values.org,
        userId: values.user,
        status: values.status as JobStatus | undefined,
        type: values.type,
        limit,
      });
      return {
        data: { items: rows.map(withOrg) },
        text: table(
          ["id", "type", "status", "org", "user", "attempts", "created", "error"],
          rows.map((j) => [
            j.id,
            j.type,
            j.status,
            j.orgId,
            j.userId,
            `${j.attempts}/${j.maxAttempts}`,
            j.createdAt,
            j.errorCode,
          ]),
        ),
      };
    },
  },
  "jobs:show": {
    usage: "jobs:show <jobId>",
    summary: "A job with every run: attempt, outcome, duration, HTTP status, error",
    async run(ctx, { positionals }) {
      const job = await mustGet(ctx, positionals[0]);
      const runs = await listRuns(ctx.pg.db, job.id);
      const head = block([
        ["id", job.id],
        ["type", job.type],
        ["status", job.status],
        ["organization", job.orgId],
        ["user", job.userId],
        ["priority", job.priority],
        ["attempts", `${job.attempts}/${job.maxAttempts}`],
        ["request id", job.requestId],
        ["created", job.createdAt],
        ["finished", job.finishedAt],
        ["error", job.errorCode ? `${job.errorCode}: ${job.errorMessage ?? ""}` : null],
        ["payload", JSON.stringify(job.payload)],
      ]);
      const runTable = table(
        ["attempt", "outcome", "started", "ms", "http", "error"],
        runs.map((r) => [
          r.attempt,
          r.outcome,
          r.startedAt,
          r.durationMs,
          r.httpStatus,
          r.error ? `${r.errorCode ?? ""} ${r.error}`.trim().slice(0, 120) : null,
        ]),
      );
      return { data: { job: withOrg(job), runs: runs.map(runView) }, text: `${head}\n\nRuns\n${runTable}` };
    },
  },
  "jobs:retry": {
    usage: "jobs:retry <jobId>",
    summary: "Queue a failed or cancelled job again with fresh attempts",
    async run(ctx, { positionals }) {
      const job = await mustGet(ctx, positionals[0]);
      const row = await (await ctx.jobs()).retry(job.orgId, job.id, "cli");
      return { data: { job: withOrg(row) }, text: `${row.id} is ${row.status} again (was ${job.status})` };
    },
  },
  "jobs:cancel": {
    usage: "jobs:cancel <jobId>",
    summary: "Cancel a queued, retrying or running job (a running call is aborted)",
    async run(ctx, { positionals }) {
      const job = await mustGet(ctx, positionals[0]);
      const row = await (await ctx.jobs()).cancel(job.orgId, job.id, 10_000, "cli");
      return { data: { job: withOrg(row) }, text: `${row.id} is ${row.status} (was ${job.status})` };
    },
  },
  "jobs:retry-failed": {
    usage: "jobs:retry-failed --type <type> --since <ISO time | 30m | 6h | 2d> [--org <orgId>] [--dry-run]",
    summary: "Retry every failed job of a type that failed since a time",
    async run(ctx, { values }) {
      if (!values.type) throw new CliError("jobs:retry-failed needs --type", 2);
      if (!values.since)
        throw new CliError("jobs:retry-failed needs --since (e.g. 2h or 2026-05-01T00:00:00Z)", 2);
      const since = parseSince(values.since);
      if (!since) throw new CliError(`--since: cannot read "${values.since}" as a time or a duration`, 2);
      const failed = await failedJobsSince(ctx.pg.db, { type: values.type, since, orgId: values.org });
      const retried: string[] = [];
      const errors: { id: string; error: string }[] = [];
      if (!values["dry-run"]) {
        for (const job of failed) {
          try {
            await (await ctx.jobs()).retry(job.orgId, job.id, "cli");
            retried.push(job.id);
          } catch (err) {
            errors.push({ id: job.id, error: (err as Error).message });
          }
        }
      }
      const what = values["dry-run"] ? "would retry" : "retried";
      const ids = values["dry-run"] ? failed.map((j) => j.id) : retried;
      const lines = [
        `${what} ${ids.length} failed ${values.type} job(s) since ${since.toISOString()}`,
        ...ids,
      ];
      for (const e of errors) lines.push(`could not retry ${e.id}: ${e.error}`);
      if (errors.length) process.exitCode = 1;
      return {
        data: {
          since: since.toISOString(),
          matched: failed.length,
          retried,
          errors,
          dryRun: !!values["dry-run"],
        },
        text: lines.join("\n"),
      };
    },
  },
};
