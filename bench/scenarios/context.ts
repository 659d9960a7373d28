// What every scenario receives: the bench environment, the size scale and a progress logger.
import type { BenchEnv } from "../env.js";

export interface ScenarioContext {
  env: BenchEnv;
  quick: boolean;
  /** Measured runs per figure (the median is reported). */
  runs: number;
  log(message: string): void;
}
