// The shape of a CLI command: usage line, one-line summary, and a run that returns data (for --json)
// and its human-readable text.
import type { CliContext } from "../context.js";

export interface CommandArgs {
  positionals: string[];
  values: {
    status?: string;
    type?: string;
    org?: string;
    user?: string;
    limit?: string;
    since?: string;
    name?: string;
    "dry-run"?: boolean;
    "max-active"?: string;
    "enqueue-per-minute"?: string;
    hard?: string;
    "ai-budget-usd"?: string;
    "ai-soft-budget-usd"?: string;
    json?: boolean;
  };
}

export interface Command {
  usage: string;
  summary: string;
  run(ctx: CliContext, args: CommandArgs): Promise<{ data: unknown; text: string }>;
}
