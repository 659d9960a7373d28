// Cron expressions of the `schedules` table: validation (5 fields; 6 with seconds only under the bullmq
// driver, since QStash takes 5 fields with a `CRON_TZ=` prefix), IANA zones, and the next occurrence.
import { CronExpressionParser } from "cron-parser";

export type SchedulerKind = "bullmq" | "qstash";

export interface CronProblem {
  path: "cron" | "timezone";
  message: string;
}

export function isValidTimezone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** What is wrong with `cron` in `timezone` for this driver, or null when it is usable. */
export function cronProblem(cron: string, timezone: string, driver: SchedulerKind): CronProblem | null {
  if (!isValidTimezone(timezone))
    return {
      path: "timezone",
      message: `unknown time zone "${timezone}" (use an IANA name, e.g. Europe/Paris)`,
    };
  const fields = normalizeCron(cron).split(" ").filter(Boolean);
  if (fields.length === 6 && driver !== "bullmq")
    return {
      path: "cron",
      message: "6 fields (with seconds) only work with SCHEDULER=bullmq; QStash takes 5 fields",
    };
  if (fields.length !== 5 && fields.length !== 6)
    return {
      path: "cron",
      message: `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`,
    };
  try {
    CronExpressionParser.parse(fields.join(" "), { tz: timezone }).next();
  } catch (err) {
    return { path: "cron", message: `invalid cron expression: ${(err as Error).message}` };
  }
  return null;
}

/** The first occurrence strictly after `from`. */
export function nextOccurrence(cron: string, timezone: string, from: Date): Date | null {
  try {
    return CronExpressionParser.parse(cron.trim(), { tz: timezone, currentDate: from }).next().toDate();
  } catch {
    return null;
  }
}

export function normalizeCron(cron: string): string {
  return cron.trim().split(/\s+/).join(" ");
}

/** QStash's form of a schedule: `CRON_TZ=<zone> <5 fields>`. */
export function qstashCron(cron: string, timezone: string): string {
  return `CRON_TZ=${timezone} ${normalizeCron(cron)}`;
}

/** A QStash cron read back: `CRON_TZ=<zone> <fields>` (no prefix: QStash evaluates in UTC). */
export function parseQstashCron(value: string): { cron: string; timezone: string } {
  const m = /^\s*CRON_TZ=(\S+)\s+(.*)$/.exec(value);
  return m
    ? { timezone: m[1]!, cron: normalizeCron(m[2]!) }
    : { timezone: "UTC", cron: normalizeCron(value) };
}
