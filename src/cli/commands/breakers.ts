// CLI: the circuit breakers per dependency (the same Redis state as /admin/breakers): list them, and force
// one closed, waking the jobs waiting on it.
import { Breakers } from "../../flow/breakers.js";
import { CliError } from "../context.js";
import { table } from "../format.js";
import type { Command } from "./types.js";

const breakersOf = async (ctx: Parameters<Command["run"]>[0]) =>
  new Breakers(await ctx.redis(), ctx.config.REDIS_PREFIX, ctx.config.BREAKER_WINDOW_MS);

export const breakerCommands: Record<string, Command> = {
  breakers: {
    usage: "breakers",
    summary: "Circuit breakers per dependency: state, recent failures, next probe",
    async run(ctx) {
      const items = await (await breakersOf(ctx)).list();
      return {
        data: { items },
        text: table(
          ["dependency", "state", "failures", "cooldown ms", "next probe", "last failure"],
          items.map((b) => [b.dependency, b.state, b.failures, b.cooldownMs, b.nextProbeAt, b.lastFailureAt]),
        ),
      };
    },
  },
  "breakers:close": {
    usage: "breakers:close <dependency>",
    summary: "Force a breaker closed; the jobs waiting on it are woken",
    async run(ctx, { positionals }) {
      const dependency = positionals[0];
      if (!dependency) throw new CliError("a dependency (e.g. openai, platform:twitter) is required", 2);
      const breakers = await breakersOf(ctx);
      if (!(await breakers.list()).some((b) => b.dependency === dependency))
        throw new CliError(`no breaker for ${dependency}`);
      await breakers.close(dependency);
      const woken = await (await ctx.waiting()).wake("breaker", dependency);
      return {
        data: { breaker: await breakers.state(dependency), woken },
        text: `${dependency} closed; ${woken} waiting job(s) woken`,
      };
    },
  },
};
