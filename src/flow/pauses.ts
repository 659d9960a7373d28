// Operator pauses as every relay sees them: loaded from Postgres at start, again whenever one is added or
// removed (a pub/sub message on PAUSES channel) and every refresh interval as a fallback. A job whose type,
// organization, or type within its organization is paused waits (reason `paused`, key `<type|*>/<org|*>`);
// when a pause goes, its jobs are woken, by whichever relays notice first (waking pops each job once).
import type { Db } from "../../db/client.js";
import { listPauses, type PauseRow } from "../../db/queries/pauses.js";

export const pausesChannel = (prefix: string) => `${prefix}:pauses`;

export const pauseKey = (p: Pick<PauseRow, "type" | "orgId">) => `${p.type ?? "*"}/${p.orgId ?? "*"}`;

/** A pause as the admin API and the CLI show it. */
export function pauseView(p: PauseRow) {
  return {
    id: p.id,
    type: p.type,
    orgId: p.orgId,
    key: pauseKey(p),
    note: p.note,
    createdAt: p.createdAt.toISOString(),
  };
}

export class Pauses {
  private list: PauseRow[] = [];

  constructor(private readonly db: Db) {}

  /** Reloads; returns the keys of pauses that are gone since the last load. */
  async load(): Promise<string[]> {
    const before = new Set(this.list.map(pauseKey));
    this.list = await listPauses(this.db);
    for (const p of this.list) before.delete(pauseKey(p));
    return [...before];
  }

  /** The pause that holds a job of `type` in `orgId`, if any (in-process: no I/O per job). */
  match(type: string, orgId: string): PauseRow | null {
    return (
      this.list.find(
        (p) => (p.type === null || p.type === type) && (p.orgId === null || p.orgId === orgId),
      ) ?? null
    );
  }

  /** Whether `key` is still paused. */
  has(key: string): boolean {
    return this.list.some((p) => pauseKey(p) === key);
  }
}
