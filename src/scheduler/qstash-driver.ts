// The production scheduler: one QStash schedule per scheduled type calling `POST {PUBLIC_URL}/triggers/<type>`
// at `CRON_TZ=<zone> <cron>`, paused while the table disables it. Ours are those with our id prefix
// (`<prefix>-<type>`) or our trigger URL, so a schedule made in the console for our URL is seen too.
import { Client } from "@upstash/qstash";
import { parseQstashCron, qstashCron } from "./cron.js";
import type { InstalledSchedule, ScheduleDriver, ScheduleState } from "./driver.js";

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
  readonly external = true;
  private readonly client: Client;

  constructor(private readonly options: QstashDriverOptions) {
    this.client = new Client({
      baseUrl: options.baseUrl,
      token: options.token,
      devMode: false,
      enableTelemetry: false,
      retry: { retries: 2, backoff: (n) => 200 * 2 ** n },
    });
  }

  idFor(jobType: string): string {
    return `${this.options.idPrefix}-${jobType}`;
  }

  destinationFor(jobType: string): string {
    return triggerUrl(this.options.publicUrl, jobType);
  }

  /** One list call. An id of ours names its type; a console-made schedule is ours by its trigger URL. */
  async list(): Promise<InstalledSchedule[]> {
    const all = await this.client.schedules.list();
    const idPrefix = `${this.options.idPrefix}-`;
    const urlPrefix = this.destinationFor("");
    const out: InstalledSchedule[] = [];
    for (const s of all) {
      const ours = s.scheduleId.startsWith(idPrefix);
      const byUrl = s.destination.startsWith(urlPrefix) ? s.destination.slice(urlPrefix.length) : null;
      if (!ours && !byUrl) continue;
      out.push({
        id: s.scheduleId,
        jobType: ours ? s.scheduleId.slice(idPrefix.length) : byUrl!.split(/[/?#]/)[0]!,
        ours,
        createdAt: s.createdAt,
        ...parseQstashCron(s.cron),
        paused: s.isPaused,
        destination: s.destination,
      });
    }
    return out;
  }

  /**
   * Creating with an existing id replaces that schedule (QStash discards the old one), so a changed cron or
   * destination is one create; pausing and resuming are their own calls, made only when needed.
   */
  async put(id: string, jobType: string, want: ScheduleState, current?: InstalledSchedule): Promise<void> {
    const recreate =
      !current ||
      current.cron !== want.cron ||
      current.timezone !== want.timezone ||
      current.destination !== want.destination;
    if (recreate)
      await this.client.schedules.create({
        destination: want.destination,
        cron: qstashCron(want.cron, want.timezone),
        scheduleId: id,
        method: "POST",
        body: JSON.stringify({ jobType }),
        headers: { "Content-Type": "application/json" },
      });
    if (want.paused && (recreate || !current?.paused)) await this.client.schedules.pause({ schedule: id });
    else if (!want.paused && current?.paused) await this.client.schedules.resume({ schedule: id });
  }

  async remove(id: string): Promise<void> {
    await this.client.schedules.delete(id);
  }

  async close(): Promise<void> {}
}
