// Which job types are scheduled, and their default crons: read from the catalog entries' `schedule`
// (each type declares its own cron and targets), so the scheduler has no per-type code.
import type { Catalog } from "../../handlers/kit/catalog.js";

export function scheduledTypes(catalog: Catalog): string[] {
  return catalog
    .list()
    .filter((d) => d.schedule)
    .map((d) => d.type);
}

export function defaultSchedules(catalog: Catalog): { jobType: string; cron: string }[] {
  return catalog
    .list()
    .flatMap((d) => (d.schedule ? [{ jobType: d.type, cron: d.schedule.defaultCron }] : []));
}
