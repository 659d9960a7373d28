// CLI: pause and resume a job type, an organization or a type within one, and list the pauses: the same
// rows and change message as /admin/pauses, so every relay parks and wakes the jobs alike.
import { deletePause, insertPause, listPauses } from "../../../db/queries/pauses.js";
import { newId } from "../../../handlers/kit/ids.js";
import { pausesChannel, pauseView } from "../../flow/pauses.js";
import { CliError } from "../context.js";
import { table } from "../format.js";
import type { Command } from "./types.js";

const changed = async (ctx: Parameters<Command["run"]>[0]) =>
  (await ctx.redis()).publish(pausesChannel(ctx.config.REDIS_PREFIX), "changed");

export const pauseCommands: Record<string, Command> = {
  pause: {
    usage: "pause [--type <type>] [--org <orgId>] [--name <note>]",
    summary:
      "Pause a job type, an organization, or a type within an organization (jobs wait; enqueues are accepted)",
    async run(ctx, { values }) {
      if (!values.type && !values.org) throw new CliError("pause needs --type, --org or both", 2);
      const row = await insertPause(ctx.pg.db, {
        id: newId("pause"),
        type: values.type ?? null,
        orgId: values.org ?? null,
        note: values.name ?? null,
      });
      await changed(ctx);
      return { data: { pause: pauseView(row) }, text: `${row.id} pauses ${pauseView(row).key}` };
    },
  },
  resume: {
    usage: "resume <pauseId>",
    summary: "Remove a pause; its waiting jobs are woken",
    async run(ctx, { positionals }) {
      if (!positionals[0]) throw new CliError("a pause id (pause_...) is required", 2);
      const row = await deletePause(ctx.pg.db, positionals[0]);
      if (!row) throw new CliError(`pause ${positionals[0]} not found`);
      await changed(ctx);
      return { data: { pause: pauseView(row) }, text: `${row.id} removed: ${pauseView(row).key} resumes` };
    },
  },
  pauses: {
    usage: "pauses",
    summary: "Pauses in force",
    async run(ctx) {
      const rows = (await listPauses(ctx.pg.db)).map(pauseView);
      return {
        data: { items: rows },
        text: table(
          ["id", "key", "type", "org", "note", "since"],
          rows.map((p) => [p.id, p.key, p.type, p.orgId, p.note, p.createdAt]),
        ),
      };
    },
  },
};
