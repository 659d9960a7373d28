// Live events for SSE: one Redis stream (`{prefix}:events`, capped) that the API, relay and notifier
// append to; each process reads it with one blocking reader shared by its SSE subscribers, and a
// reconnecting client replays from its Last-Event-ID with XRANGE. Works across any number of instances.
// Events nobody listens to are not written (Upstash bills per command): an instance with SSE subscribers
// keeps a presence key alive (and announces it on a channel, so publishers learn at once); publishers check
// that key at most every few seconds, only while they have something to publish. Idle, it costs nothing.
import type { Redis } from "ioredis";

/** `draft` and `progress` are live content-generation events (handlers' live_events outbox, via the notifier). */
export type EventKind = "job" | "notification" | "draft" | "progress";

export interface BusEvent {
  id: string;
  kind: EventKind;
  orgId: string;
  userId: string;
  data: unknown;
}

type Listener = (event: BusEvent) => void;

function parseEntry([id, fields]: [string, string[]]): BusEvent | null {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  if (!f.kind || !f.org || !f.data) return null;
  return { id, kind: f.kind as EventKind, orgId: f.org, userId: f.user ?? "", data: JSON.parse(f.data) };
}

/** How long an instance's subscribers keep events flowing after it last refreshed (covers reconnects). */
const PRESENCE_TTL_MS = 60_000;
const PRESENCE_REFRESH_MS = 20_000;
/** How long a publisher trusts its last look at the presence key. */
const PRESENCE_CACHE_MS = 5_000;

export class EventBus {
  readonly key: string;
  private readonly presenceKey: string;
  private readonly presenceChannel: string;
  private readonly listeners = new Set<Listener>();
  private reader: Redis | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private presence = { value: false, until: 0 };
  private presenceSub: Redis | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly maxLen = 10_000,
  ) {
    this.key = `${prefix}:events`;
    this.presenceKey = `${prefix}:events:listeners`;
    this.presenceChannel = `${prefix}:events:listeners`;
  }

  /** Appends an event; returns its id, or "" when no instance has subscribers (nothing written). */
  async publish(kind: EventKind, orgId: string, userId: string, data: unknown): Promise<string> {
    if (!(await this.anyListeners())) return "";
    const id = await this.redis.xadd(
      this.key,
      "MAXLEN",
      "~",
      this.maxLen,
      "*",
      "kind",
      kind,
      "org",
      orgId,
      "user",
      userId,
      "data",
      JSON.stringify(data),
    );
    return id ?? "";
  }

  /** Events after `lastId` still in the stream (replay for Last-Event-ID). */
  async since(lastId: string, count = 1000): Promise<BusEvent[]> {
    const entries = (await this.redis.xrange(this.key, `(${lastId}`, "+", "COUNT", count)) as [
      string,
      string[],
    ][];
    return entries.map(parseEntry).filter((e): e is BusEvent => e !== null);
  }

  private async anyListeners(): Promise<boolean> {
    if (this.listeners.size > 0) return true;
    const now = Date.now();
    if (now < this.presence.until) return this.presence.value;
    this.watchPresence();
    // When Redis cannot answer, publish anyway: the XADD will tell.
    const value = (await this.redis.exists(this.presenceKey).catch(() => 1)) === 1;
    this.presence = { value, until: now + PRESENCE_CACHE_MS };
    return value;
  }

  private watchPresence(): void {
    if (this.presenceSub) return;
    this.presenceSub = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.presenceSub.on("error", () => {});
    this.presenceSub.on("message", () => {
      this.presence = { value: true, until: Date.now() + PRESENCE_TTL_MS };
    });
    this.presenceSub.subscribe(this.presenceChannel).catch(() => {});
  }

  private announce(): void {
    const refresh = () =>
      this.redis
        .set(this.presenceKey, "1", "PX", PRESENCE_TTL_MS)
        .then(() => this.redis.publish(this.presenceChannel, "1"))
        .catch(() => {});
    void refresh();
    this.heartbeat = setInterval(refresh, PRESENCE_REFRESH_MS);
  }

  /** Receives every new event until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.running) {
      this.announce();
      this.start();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  private start(): void {
    this.running = true;
    this.reader = this.redis.duplicate({ maxRetriesPerRequest: null });
    this.reader.on("error", () => {});
    const reader = this.reader;
    this.loop = (async () => {
      const newest = (await reader.xrevrange(this.key, "+", "-", "COUNT", 1).catch(() => [])) as [
        string,
        string[],
      ][];
      let last = newest[0]?.[0] ?? "0-0";
      while (this.running) {
        try {
          const res = (await reader.xread("COUNT", 500, "BLOCK", 5000, "STREAMS", this.key, last)) as
            | [string, [string, string[]][]][]
            | null;
          if (!res) continue;
          for (const [, entries] of res) {
            for (const entry of entries) {
              last = entry[0];
              const event = parseEntry(entry);
              if (event) for (const l of this.listeners) l(event);
            }
          }
        } catch {
          if (!this.running) break;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
  }

  private stop(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.running = false;
    this.reader?.disconnect();
    this.reader = null;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.stop();
    this.presenceSub?.disconnect();
    await this.loop?.catch(() => {});
  }
}
