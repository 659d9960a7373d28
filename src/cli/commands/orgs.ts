// CLI: organizations and API keys (create, revoke), through the same queries as the /admin API.

import { getApiKey } from "../../../db/queries/operator.js";
import { createApiKey, createOrg, revokeApiKey } from "../../../db/queries/orgs.js";
import { CliError } from "../context.js";
import { block } from "../format.js";
import type { Command } from "./types.js";

export const orgCommands: Record<string, Command> = {
  "orgs:create": {
    usage: "orgs:create <name>",
    summary: "Create an organization and its first API key (the key is printed once)",
    async run(ctx, { positionals }) {
      const name = positionals.join(" ").trim();
      if (!name) throw new CliError("orgs:create needs a name", 2);
      const { org, apiKey, apiKeyId } = await createOrg(ctx.pg.db, name);
      return {
        data: { org: { id: org.id, name: org.name, createdAt: org.createdAt }, apiKey, apiKeyId },
        text: `${block([
          ["organization", org.id],
          ["name", org.name],
          ["api key id", apiKeyId],
          ["api key", apiKey],
        ])}\n\nStore the API key now: it is not shown again.`,
      };
    },
  },
  "keys:create": {
    usage: "keys:create <orgId> [--name <name>]",
    summary: "Create another API key for an organization (printed once)",
    async run(ctx, { positionals, values }) {
      const orgId = positionals[0];
      if (!orgId) throw new CliError("keys:create needs an organization id", 2);
      const key = await createApiKey(ctx.pg.db, orgId, values.name).catch(() => {
        throw new CliError(`organization ${orgId} not found`);
      });
      return {
        data: { orgId, apiKeyId: key.id, apiKey: key.apiKey },
        text: `${block([
          ["organization", orgId],
          ["api key id", key.id],
          ["api key", key.apiKey],
        ])}\n\nStore the API key now: it is not shown again.`,
      };
    },
  },
  "keys:revoke": {
    usage: "keys:revoke <keyId>",
    summary: "Revoke an API key (API servers stop accepting it within 5 s)",
    async run(ctx, { positionals }) {
      const id = positionals[0];
      if (!id) throw new CliError("keys:revoke needs an API key id (key_...)", 2);
      const key = await getApiKey(ctx.pg.db, id);
      if (!key) throw new CliError(`API key ${id} not found`);
      if (key.revokedAt)
        throw new CliError(`API key ${id} was already revoked at ${key.revokedAt.toISOString()}`);
      await revokeApiKey(ctx.pg.db, id);
      return {
        data: { revoked: true, id, orgId: key.orgId },
        text: `revoked ${id} (organization ${key.orgId})`,
      };
    },
  },
};
