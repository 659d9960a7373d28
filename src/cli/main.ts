// `npm run cli -- <command>`: the operator's CLI. Connects with the service's own config (DATABASE_URL,
// REDIS_URL, REDIS_PREFIX) and reuses its queries and JobsService. Exit 0 ok, 1 failed, 2 usage error.
import { parseArgs } from "node:util";
import { pino } from "pino";
import { ConfigError } from "../../handlers/config.js";
import { isErrorNamed } from "../../handlers/kit/errors.js";
import type { ApiError } from "../api/errors.js";
import { parseConfig } from "../config.js";
import { configSecrets, createLogger, rememberSecrets } from "../logger.js";
import { breakerCommands } from "./commands/breakers.js";
import { jobCommands } from "./commands/jobs.js";
import { orgLimitCommands } from "./commands/org-limits.js";
import { orgCommands } from "./commands/orgs.js";
import { pauseCommands } from "./commands/pauses.js";
import { scheduleCommands } from "./commands/schedules.js";
import type { Command, CommandArgs } from "./commands/types.js";
import type { CliContext, CliError } from "./context.js";

const COMMANDS: Record<string, Command> = {
  ...orgCommands,
  ...orgLimitCommands,
  ...jobCommands,
  ...scheduleCommands,
  ...pauseCommands,
  ...breakerCommands,
};

export function usage(): string {
  return [
    "Usage: npm run cli -- <command> [options]",
    "",
    "Commands:",
    ...Object.values(COMMANDS).map((c) => `  ${c.usage}\n      ${c.summary}`),
    "",
    "Options: --json (print JSON), --help",
    "Environment: the service's DATABASE_URL, REDIS_URL and REDIS_PREFIX (REDIS_URL only for retry and cancel).",
  ].join("\n");
}

function parse(argv: string[]): { command: string | undefined; args: CommandArgs; help: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      status: { type: "string" },
      type: { type: "string" },
      org: { type: "string" },
      user: { type: "string" },
      limit: { type: "string" },
      since: { type: "string" },
      name: { type: "string" },
      "dry-run": { type: "boolean" },
      "max-active": { type: "string" },
      "enqueue-per-minute": { type: "string" },
      hard: { type: "string" },
      "ai-budget-usd": { type: "string" },
      "ai-soft-budget-usd": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...rest] = positionals;
  return { command, args: { positionals: rest, values }, help: !!values.help };
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage()}`);
    return 2;
  }
  const { command, args, help } = parsed;
  if (help || !command || command === "help") {
    (command || help ? console.log : console.error)(usage());
    return command || help ? 0 : 2;
  }
  const cmd = COMMANDS[command];
  if (!cmd) {
    console.error(`unknown command "${command}"\n\n${usage()}`);
    return 2;
  }
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  rememberSecrets(configSecrets(config));
  const log = createLogger({ level: "warn", destination: pino.destination(2) });
  let ctx: CliContext | null = null;
  try {
    ctx = await (await import("./context.js")).openCli(config, log);
    const out = await cmd.run(ctx, args);
    console.log(args.values.json ? JSON.stringify(out.data, null, 2) : out.text);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (isErrorNamed<CliError>(err, "CliError")) {
      console.error(`error: ${err.message}`);
      return err.exitCode;
    }
    if (isErrorNamed<ApiError>(err, "ApiError")) {
      console.error(`error: ${err.message} (${err.code})`);
      return 1;
    }
    const code = (err as { code?: unknown }).code;
    console.error(`error: ${(err as Error).message}${typeof code === "string" ? ` (${code})` : ""}`);
    return 1;
  } finally {
    await ctx?.close().catch(() => {});
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
