// The provider-aware flow-control benchmarks (issue 16), as bench/run.ts registers them: `quota` (a
// provider's request limit learned from its headers) and `outage` (a circuit breaker over a 503 outage).
import type { ScenarioResult } from "../report.js";
import type { ScenarioContext } from "./context.js";
import { outage } from "./outage.js";
import { quota } from "./quota.js";

export const flowScenarios: [string, (ctx: ScenarioContext) => Promise<ScenarioResult>][] = [
  ["quota", quota],
  ["outage", outage],
];
