// The production scheduler: one QStash schedule per enabled schedule, id `<prefix>-<type>`, calling
// `POST {PUBLIC_URL}/triggers/<type>` at `CRON_TZ=<zone> <cron>`. Ours are those with our id prefix or our
// trigger URL, so a schedule added or edited only in the QStash console is put back by the next reconcile.
import { Client } from "@upstash/qstash";
import { qstashCron } from "./cron.js";
import type { DesiredSchedule, InstalledSchedule, ScheduleDriver } from "./driver.js";

export interface QstashDriverOptions {
  baseUrl: string;
  token: string;
  /** The service's public base URL; QStash calls `${publicUrl}/triggers/<type>`. */
  publicUrl: string;
  /** Namespaces schedule ids, so deployments sharing a QStash account keep apart (REDIS_PREFIX). */
  idPrefix: string;
}

export function triggerUrl(publicUrl: string, jobType: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/triggers/${jobType}`;
}

export class QstashDriver implements ScheduleDriver {
  readonly kind = "qstash" as const;
  private readonly client: Client;

  constructor(private readonly o: QstashDriverOptions) {
    this.client = new Client({
      baseUrl: o.baseUrl,
      token: o.token,
      devMode: false,
      enableTelemetry: false,
      retry: { retries: 2, backoff: (n) => 200 * 2 ** n },
    });
  }

  idFor(jobType: string): string {
    return `${this.o.idPrefix}-${jobType}`;
  }

  specOf(d: DesiredSchedule): string {
    return `POST ${triggerUrl(this.o.publicUrl, d.jobType)} ${qstashCron(d.cron, d.timezone)}`;
  }

  async list(): Promise<InstalledSchedule[]> {
    const all = await this.client.schedules.list();
    const ours = `${this.o.idPrefix}-`;
    const dest = triggerUrl(this.o.publicUrl, "");
    return all
      .filter((s) => s.scheduleId.startsWith(ours) || s.destination.startsWith(dest))
      .map((s) => ({
        id: s.scheduleId,
        spec: `${(s.method || "POST").toUpperCase()} ${s.destination} ${s.cron}`,
        paused: s.isPaused,
      }));
  }

  async upsert(d: DesiredSchedule, current?: InstalledSchedule): Promise<void> {
    const scheduleId = this.idFor(d.jobType);
    await this.client.schedules.create({
      destination: triggerUrl(this.o.publicUrl, d.jobType),
      cron: qstashCron(d.cron, d.timezone),
      scheduleId,
      method: "POST",
      body: JSON.stringify({ jobType: d.jobType }),
      headers: { "Content-Type": "application/json" },
    });
    if (current?.paused) await this.client.schedules.resume({ schedule: scheduleId });
  }

  async remove(id: string): Promise<void> {
    await this.client.schedules.delete(id);
  }

  async close(): Promise<void> {}
}
