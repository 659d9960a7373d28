// The transition table enumerated against real Postgres: every allowed (transition, status) pair
// succeeds and lands on its target status; every other pair, and every part of the system not named
// for a transition, is refused with TransitionRefused; an unknown job is JobNotFound.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getJob } from "../../db/queries/jobs.js";
import { JOB_STATUSES, type JobStatus } from "../../db/schema.js";
import { JobNotFound, TransitionRefused } from "../../src/lifecycle/errors.js";
import { type Actor, TRANSITIONS, type TransitionName } from "../../src/lifecycle/transitions.js";
import { type LifecycleHarness, lifecycleHarness } from "./harness.js";

let h: LifecycleHarness;
beforeAll(async () => {
  h = await lifecycleHarness();
});
afterAll(async () => h?.close());

const ACTORS: Actor[] = ["api", "relay", "reconciler", "scheduler", "cli"];
const applied = (Object.keys(TRANSITIONS) as TransitionName[]).filter(
  (n) => n !== "create" && n !== "rollbackCreate",
);

describe("the transition table", () => {
  test.each(applied)("%s: allowed from its statuses only", async (name) => {
    const spec = TRANSITIONS[name];
    const actor = spec.by[0] as Actor;
    for (const status of JOB_STATUSES) {
      const job = await h.job(status);
      const attempt = h.lifecycle.apply(name, actor, job.id, { previous: "failed" });
      if ((spec.from as readonly JobStatus[]).includes(status)) {
        const row = await attempt;
        const expected = spec.to === "previous" ? "failed" : spec.to;
        expect({ status, to: row.status }).toEqual({ status, to: expected });
        expect((await getJob(h.db.db, job.id))?.status).toBe(expected);
      } else {
        const err = await attempt.then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `${name} from ${status}`).toBeInstanceOf(TransitionRefused);
        expect((err as TransitionRefused).status).toBe(status);
        expect((await getJob(h.db.db, job.id))?.status).toBe(status); // nothing written
      }
    }
  });

  test.each(applied)("%s: refused for a part of the system not named for it", async (name) => {
    const spec = TRANSITIONS[name];
    const job = await h.job(spec.from[0] ?? "queued");
    for (const actor of ACTORS.filter((a) => !(spec.by as readonly Actor[]).includes(a))) {
      await expect(h.lifecycle.apply(name, actor, job.id, { previous: "failed" })).rejects.toThrow(
        TransitionRefused,
      );
    }
    expect((await getJob(h.db.db, job.id))?.status).toBe(job.status);
  });

  test("create is the scheduler's, the API's and the CLI's only; an unknown job is JobNotFound", async () => {
    const row = {
      id: "job_nope",
      orgId: h.orgId,
      userId: "u",
      type: "echo",
      priority: "normal" as const,
      payload: {},
      maxAttempts: 4,
    };
    await expect(h.lifecycle.enqueue([{ row }], { actor: "relay" })).rejects.toThrow(TransitionRefused);
    expect(await getJob(h.db.db, "job_nope")).toBeNull();
    await expect(h.lifecycle.apply("cancel", "api", "job_missing")).rejects.toThrow(JobNotFound);
  });
});
