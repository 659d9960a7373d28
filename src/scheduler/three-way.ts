// The three-way decision for one schedule: the table's wish, what the driver holds (the QStash console may
// have changed it) and what the two last agreed on. A side that differs from the agreement changed; when
// both did, the newer change wins (the table's updatedAt against when a reconcile first saw the console's).
import { cronProblem, type SchedulerKind } from "./cron.js";
import { type ScheduleState, sameState } from "./driver.js";

export interface Conflict {
  winner: "table" | "console";
  tableChangedAt: Date;
  consoleSeenAt: Date;
}

export type Decision =
  /** Both sides hold the same (or the table disables it and the driver holds none): record the agreement. */
  | { kind: "agree"; conflict?: undefined }
  /** Make the driver hold the table's state (`recreate`: it was deleted outside the service). */
  | { kind: "push"; recreate: boolean; conflict?: Conflict }
  /** Take the driver's state into the table. */
  | { kind: "adopt"; conflict?: Conflict };

export interface ThreeWayInput {
  table: ScheduleState;
  /** What the driver holds; null = no schedule for the type. */
  held: ScheduleState | null;
  /** The last agreement; null = none yet (first reconcile): the table wins. */
  agreed: ScheduleState | null;
  /** Whether the driver can be changed outside the service (QStash); if not, the table always wins. */
  external: boolean;
  tableChangedAt: Date;
  consoleSeenAt: Date;
}

export function decide(i: ThreeWayInput): Decision {
  if (!i.held)
    return i.table.paused ? { kind: "agree" } : { kind: "push", recreate: i.agreed?.paused === false };
  if (sameState(i.held, i.table)) return { kind: "agree" };
  const consoleChanged = i.external && i.agreed !== null && !sameState(i.held, i.agreed);
  const tableChanged = i.agreed === null || !sameState(i.table, i.agreed);
  if (!consoleChanged) return { kind: "push", recreate: false };
  if (!tableChanged) return { kind: "adopt" };
  const winner = i.tableChangedAt.getTime() > i.consoleSeenAt.getTime() ? "table" : "console";
  const conflict = { winner, tableChangedAt: i.tableChangedAt, consoleSeenAt: i.consoleSeenAt } as const;
  return winner === "table" ? { kind: "push", recreate: false, conflict } : { kind: "adopt", conflict };
}

/** Why a console state cannot be adopted (a cron the service cannot run, another destination), or null. */
export function consoleProblem(
  held: ScheduleState,
  table: ScheduleState,
  kind: SchedulerKind,
): string | null {
  if (held.destination !== table.destination)
    return `destination ${held.destination} is not this type's trigger URL ${table.destination}`;
  const problem = cronProblem(held.cron, held.timezone, kind);
  return problem ? `${problem.path}: ${problem.message}` : null;
}
