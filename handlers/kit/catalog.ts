// The catalog: job type → definition. The API, the relay and the scheduler look types up here.
import type { JobTypeDefinition } from "./define.js";

export interface Catalog {
  get(type: string): JobTypeDefinition | undefined;
  list(): readonly JobTypeDefinition[];
  types(): readonly string[];
}

export function createCatalog(definitions: readonly JobTypeDefinition[]): Catalog {
  const byType = new Map<string, JobTypeDefinition>();
  for (const def of definitions) {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(def.type)) throw new Error(`invalid job type name: ${def.type}`);
    if (byType.has(def.type)) throw new Error(`job type registered twice: ${def.type}`);
    byType.set(def.type, def);
  }
  const list = [...byType.values()];
  return { get: (type) => byType.get(type), list: () => list, types: () => list.map((d) => d.type) };
}
