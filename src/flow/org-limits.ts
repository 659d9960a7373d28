// Per-organization flow-control limits: the org_limits overrides (admin API, CLI) over the ORG_MAX_ACTIVE
// and ENQUEUE_RATE_LIMIT defaults, read from Postgres at most once per organization per TTL, so an override
// applies on every relay and API instance within that time and no extra statement is sent per job.
import type { Db } from "../../db/client.js";
import { limitsFor } from "../../db/queries/org-limits.js";

/** How long a relay trusts what it read. @default 5000 */
export const LIMITS_TTL_MS = 5_000;

export interface CapLimits {
  /** Active jobs allowed; 0 = no cap. */
  maxActive: number;
  /** Never exceeded (a plan tier); a soft cap lends its unused share (org-cap.ts). */
  hard: boolean;
}

export interface FlowLimits extends CapLimits {
  /** Jobs per minute through POST /v1/jobs; 0 = unlimited. */
  enqueuePerMinute: number;
}

export class OrgLimitsCache {
  private readonly cache = new Map<string, { at: number; limits: Promise<FlowLimits> }>();
  private readonly defaults: FlowLimits;

  constructor(
    private readonly db: Db,
    defaults: { maxActive: number; enqueuePerMinute: number },
    private readonly ttlMs = LIMITS_TTL_MS,
  ) {
    this.defaults = { ...defaults, hard: false };
  }

  get(orgId: string, now = Date.now()): Promise<FlowLimits> {
    const hit = this.cache.get(orgId);
    if (hit && now - hit.at < this.ttlMs) return hit.limits;
    const d = this.defaults;
    const limits = limitsFor(this.db, orgId).then(
      (l) => ({
        maxActive: l.maxActive ?? d.maxActive,
        hard: l.hard ?? false,
        enqueuePerMinute: l.enqueuePerMinute ?? d.enqueuePerMinute,
      }),
      // Postgres unreachable: keep the last known limits, else the defaults; retried after the TTL.
      () => hit?.limits ?? d,
    );
    this.cache.set(orgId, { at: now, limits });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return limits;
  }
}
