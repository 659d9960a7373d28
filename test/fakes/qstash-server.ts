// A local QStash (node:http on 127.0.0.1) speaking the schedules REST API: POST /v2/schedules/{destination}
// (Upstash-Cron, optional Upstash-Schedule-Id: an existing id is replaced by a new schedule, as QStash documents),
// GET /v2/schedules, GET/DELETE /v2/schedules/{id}, POST|PATCH /v2/schedules/{id}/pause|resume; Bearer token
// checked, errors `{error}`. `console` edits like an operator in the Upstash console. It delivers a
// schedule's message on demand, signed as QStash signs (Upstash-Signature JWT, Upstash-Message-Id).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { signRequest } from "../../handlers/kit/signature.js";

export interface FakeSchedule {
  scheduleId: string;
  cron: string;
  destination: string;
  method: string;
  header: Record<string, string[]>;
  body?: string;
  retries: number;
  createdAt: number;
  isPaused: boolean;
}

export interface Delivery {
  status: number;
  body: unknown;
  messageId: string;
  signature: string;
}

export interface DeliverOptions {
  /** Send to this origin instead of the destination's (a proxy in between); the signature keeps the destination. */
  via?: string;
  messageId?: string;
  /** Use this signature as is (a replay or a forgery). */
  signature?: string;
  /** Sign with this key instead of the server's current one. */
  key?: string;
  retried?: number;
}

/** What an operator does in the Upstash console (not recorded in `calls`). */
export interface FakeConsole {
  /** Saves a new cron on a schedule (the console replaces it under the same id). */
  editCron(scheduleId: string, cron: string): void;
  pause(scheduleId: string): void;
  resume(scheduleId: string): void;
  delete(scheduleId: string): void;
  /** A new schedule with a generated id; returns the id. */
  create(destination: string, cron: string): string;
}

export interface FakeQstash {
  url: string;
  token: string;
  schedules: Map<string, FakeSchedule>;
  console: FakeConsole;
  /** Every API call: `METHOD /path`. */
  calls: string[];
  deliver(scheduleId: string, opts?: DeliverOptions): Promise<Delivery>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body?: unknown) {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

export async function startFakeQstash(opts: { token: string; signingKey: string }): Promise<FakeQstash> {
  const schedules = new Map<string, FakeSchedule>();
  const calls: string[] = [];
  let lastCreatedAt = 0;
  /** Creation times strictly increase, so "the newest" is always one schedule. */
  const createdNow = () => {
    lastCreatedAt = Math.max(Date.now(), lastCreatedAt + 1);
    return lastCreatedAt;
  };
  const newId = () => `scd_${randomBytes(8).toString("hex")}`;
  const must = (id: string) => {
    const s = schedules.get(id);
    if (!s) throw new Error(`no schedule ${id}`);
    return s;
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = req.url ?? "/";
    calls.push(`${req.method} ${path}`);
    if (req.headers.authorization !== `Bearer ${opts.token}`)
      return send(res, 401, { error: "Unauthorized" });
    const body = await readBody(req);
    const rest = path.startsWith("/v2/schedules") ? path.slice("/v2/schedules".length) : null;
    if (rest === null) return send(res, 404, { error: "not found" });
    if (req.method === "GET" && (rest === "" || rest === "/")) return send(res, 200, [...schedules.values()]);
    const target = rest.slice(1);
    if (req.method === "POST" && /^https?:\/\//.test(target)) {
      const cron = req.headers["upstash-cron"];
      if (typeof cron !== "string" || !cron)
        return send(res, 400, { error: "Upstash-Cron header is required" });
      const id = (req.headers["upstash-schedule-id"] as string | undefined) ?? newId();
      const header: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (k.startsWith("upstash-forward-")) header[k.slice("upstash-forward-".length)] = [String(v)];
        if (k === "content-type") header["Content-Type"] = [String(v)];
      }
      schedules.set(id, {
        scheduleId: id,
        cron,
        destination: target,
        method: (req.headers["upstash-method"] as string | undefined) ?? "POST",
        header,
        ...(body ? { body } : {}),
        retries: Number(req.headers["upstash-retries"] ?? 3),
        createdAt: createdNow(),
        isPaused: false,
      });
      return send(res, 200, { scheduleId: id });
    }
    const m = /^([^/]+)(?:\/(pause|resume))?$/.exec(target);
    if (!m) return send(res, 404, { error: "not found" });
    const schedule = schedules.get(decodeURIComponent(m[1]!));
    if (!schedule) return send(res, 404, { error: `schedule ${m[1]} not found` });
    // The docs say POST, @upstash/qstash 2.12 sends PATCH: take both.
    if ((req.method === "POST" || req.method === "PATCH") && m[2]) {
      schedule.isPaused = m[2] === "pause";
      return send(res, 200);
    }
    if (req.method === "GET" && !m[2]) return send(res, 200, schedule);
    if (req.method === "DELETE" && !m[2]) {
      schedules.delete(schedule.scheduleId);
      return send(res, 200);
    }
    return send(res, 405, { error: "method not allowed" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => send(res, 500, { error: err.message }));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const operator: FakeConsole = {
    editCron(id, cron) {
      schedules.set(id, { ...must(id), cron, createdAt: createdNow() });
    },
    pause: (id) => {
      must(id).isPaused = true;
    },
    resume: (id) => {
      must(id).isPaused = false;
    },
    delete: (id) => {
      must(id);
      schedules.delete(id);
    },
    create(destination, cron) {
      const scheduleId = newId();
      schedules.set(scheduleId, {
        scheduleId,
        cron,
        destination,
        method: "POST",
        header: {},
        retries: 3,
        createdAt: createdNow(),
        isPaused: false,
      });
      return scheduleId;
    },
  };

  return {
    url,
    token: opts.token,
    schedules,
    console: operator,
    calls,
    async deliver(scheduleId, d = {}) {
      const s = schedules.get(scheduleId);
      if (!s) throw new Error(`no schedule ${scheduleId}`);
      const body = s.body ?? "";
      const signature =
        d.signature ?? (await signRequest({ key: d.key ?? opts.signingKey, url: s.destination, body }));
      const messageId = d.messageId ?? `msg_${randomBytes(12).toString("hex")}`;
      const target = d.via ? new URL(new URL(s.destination).pathname, d.via).toString() : s.destination;
      const headers: Record<string, string> = {
        "Upstash-Signature": signature,
        "Upstash-Message-Id": messageId,
        "Upstash-Schedule-Id": s.scheduleId,
        "Upstash-Retried": String(d.retried ?? 0),
      };
      for (const [k, v] of Object.entries(s.header)) headers[k] = v[0]!;
      const res = await fetch(target, {
        method: s.method,
        headers,
        body: s.method === "GET" ? undefined : body,
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: res.status, body: parsed, messageId, signature };
    },
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
