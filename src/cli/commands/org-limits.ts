// CLI: `orgs:limits <orgId> [--max-active N|null] [--enqueue-per-minute N|null] [--hard true|false]
// [--ai-budget-usd X|null] [--ai-soft-budget-usd X|null]`: shows, or sets then shows, an organization's limits,
// validated with the same schema as PUT /admin/orgs/:id/limits.
import { getOrgLimits, putOrgLimits } from "../../../db/queries/org-limits.js";
import { zodFields } from "../../../handlers/kit/validation.js";
import { limitsView, OrgLimitsInput } from "../../api/routes/org-limits.js";
import { CliError } from "../context.js";
import { block } from "../format.js";
import type { Command, CommandArgs } from "./types.js";

const FLAGS = {
  "max-active": "maxActive",
  "enqueue-per-minute": "enqueuePerMinute",
  hard: "hard",
  "ai-budget-usd": "aiBudgetUsd",
  "ai-soft-budget-usd": "aiSoftBudgetUsd",
} as const;

/** "null" → null, "true"/"false" → booleans, numbers → numbers; anything else is left for the schema to refuse. */
function value(raw: string): unknown {
  if (raw === "null") return null;
  if (raw === "true" || raw === "false") return raw === "true";
  const n = Number(raw);
  return raw.trim() !== "" && Number.isFinite(n) ? n : raw;
}

function patchOf(values: CommandArgs["values"]) {
  const input: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(FLAGS)) {
    const raw = values[flag as keyof typeof FLAGS];
    if (raw !== undefined) input[key] = value(raw);
  }
  const parsed = OrgLimitsInput.safeParse(input);
  if (!parsed.success) {
    const key = Object.fromEntries(Object.entries(FLAGS).map(([f, k]) => [k, `--${f}`]));
    const why = zodFields(parsed.error).map((f) => `${key[f.path] ?? f.path}: ${f.message}`);
    throw new CliError(`invalid limits: ${why.join("; ")}`, 2);
  }
  return parsed.data;
}

export const orgLimitCommands: Record<string, Command> = {
  "orgs:limits": {
    usage:
      "orgs:limits <orgId> [--max-active N|null] [--enqueue-per-minute N|null] [--hard true|false] [--ai-budget-usd X|null] [--ai-soft-budget-usd X|null]",
    summary: "Show or set an organization's limits (null: back to the default)",
    async run(ctx, { positionals, values }) {
      const orgId = positionals[0];
      if (!orgId) throw new CliError("orgs:limits needs an organization id", 2);
      const patch = patchOf(values);
      const limits = Object.keys(patch).length
        ? await putOrgLimits(ctx.pg.db, orgId, patch)
        : await getOrgLimits(ctx.pg.db, orgId);
      if (!limits) throw new CliError(`organization ${orgId} not found`);
      const view = limitsView(orgId, limits);
      const show = (v: unknown) => (v === null ? "default" : String(v));
      return {
        data: { limits: view },
        text: block([
          ["organization", orgId],
          ["max active", show(view.maxActive)],
          ["enqueue per minute", show(view.enqueuePerMinute)],
          ["hard", show(view.hard)],
          ["AI budget (USD/month)", show(view.aiBudgetUsd)],
          ["AI soft budget (USD/month)", show(view.aiSoftBudgetUsd)],
        ]),
      };
    },
  },
};
