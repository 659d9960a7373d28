// The three-way decision on its own: which side changed since the last agreement decides, the newer change
// wins a conflict, and a driver nobody edits from outside (BullMQ) never has its state adopted.
import { describe, expect, test } from "vitest";
import { parseQstashCron } from "../../src/scheduler/cron.js";
import type { ScheduleState } from "../../src/scheduler/driver.js";
import { consoleProblem, decide, type ThreeWayInput } from "../../src/scheduler/three-way.js";

const dest = "https://svc.example.com/triggers/scrape";
const state = (cron: string, more: Partial<ScheduleState> = {}): ScheduleState => ({
  cron,
  timezone: "UTC",
  paused: false,
  destination: dest,
  ...more,
});
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const input = (i: Partial<ThreeWayInput>): ThreeWayInput => ({
  table: state("0 * * * *"),
  held: state("0 * * * *"),
  agreed: state("0 * * * *"),
  external: true,
  tableChangedAt: at(0),
  consoleSeenAt: at(10),
  ...i,
});

describe("decide", () => {
  test("one side changed: the console's is adopted, the table's pushed", () => {
    expect(decide(input({ held: state("0 */2 * * *") })).kind).toBe("adopt");
    expect(decide(input({ held: state("0 * * * *", { paused: true }) })).kind).toBe("adopt");
    expect(decide(input({ table: state("0 */2 * * *") })).kind).toBe("push");
    expect(decide(input({})).kind).toBe("agree");
  });

  test("both changed: the newer wins; the same change on both sides is an agreement", () => {
    const both = { table: state("0 1 * * *"), held: state("0 2 * * *") };
    expect(decide(input({ ...both, tableChangedAt: at(20), consoleSeenAt: at(10) }))).toMatchObject({
      kind: "push",
      conflict: { winner: "table" },
    });
    expect(decide(input({ ...both, tableChangedAt: at(5), consoleSeenAt: at(10) }))).toMatchObject({
      kind: "adopt",
      conflict: { winner: "console" },
    });
    expect(decide(input({ table: state("0 3 * * *"), held: state("0 3 * * *") })).kind).toBe("agree");
  });

  test("no schedule held: recreated unless the table disables it", () => {
    expect(decide(input({ held: null }))).toEqual({ kind: "push", recreate: true });
    expect(decide(input({ held: null, table: state("0 * * * *", { paused: true }) })).kind).toBe("agree");
  });

  test("no agreement yet, or a driver nobody edits outside the service: the table wins", () => {
    expect(decide(input({ agreed: null, held: state("5 * * * *") })).kind).toBe("push");
    expect(decide(input({ external: false, held: state("5 * * * *") })).kind).toBe("push");
  });
});

test("a console cron is read back from CRON_TZ=<zone> <cron>, and refused when the service cannot run it", () => {
  expect(parseQstashCron("CRON_TZ=Europe/Paris  0 */2 * * *")).toEqual({
    cron: "0 */2 * * *",
    timezone: "Europe/Paris",
  });
  expect(parseQstashCron("0 * * * *")).toEqual({ cron: "0 * * * *", timezone: "UTC" });
  const table = state("0 * * * *");
  expect(consoleProblem(state("0 */2 * * *"), table, "qstash")).toBeNull();
  expect(consoleProblem(state("61 * * * *"), table, "qstash")).toMatch(/invalid cron expression/);
  expect(consoleProblem(state("0 * * * *", { timezone: "Mars/Olympus" }), table, "qstash")).toMatch(
    /unknown time zone/,
  );
  expect(consoleProblem(state("0 * * * *", { destination: `${dest}x` }), table, "qstash")).toMatch(
    /not this type's trigger URL/,
  );
});
