// The scheduler's domain errors; the API maps them to HTTP in one place (src/api/errors.ts).
import type { FieldIssue } from "../../handlers/kit/errors.js";

/** No schedule for that job type (it is not a scheduled type). */
export class ScheduleNotFound extends Error {
  override name = "ScheduleNotFound";
  constructor(jobType: string, scheduled: readonly string[]) {
    super(`schedule "${jobType}" not found (scheduled types: ${scheduled.join(", ")})`);
  }
}

/** A schedule change the configured driver cannot run (bad cron, zone, or seconds on QStash). */
export class InvalidSchedule extends Error {
  override name = "InvalidSchedule";
  readonly fields: FieldIssue[];
  constructor(path: string, problem: string) {
    super(`invalid ${path}: ${problem}`);
    this.fields = [{ path, message: problem }];
  }
}
