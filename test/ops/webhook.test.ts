// The notifications webhook through the real service: a local receiver verifies the signature and gets
// each notification exactly once, also when it fails twice first and when two senders run at once; on a
// database of their own: retry waits counted from the failed attempt, parallel sends, a dead sender's lease.
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { insertNotification } from "../../db/queries/notifications.js";
import { createOrg } from "../../db/queries/orgs.js";
import { rowsOf } from "../../db/queries/rows.js";
import { claimDueWebhooks } from "../../db/queries/webhooks.js";
import { createLogger } from "../../src/logger.js";
import { WebhookSender } from "../../src/notifier/webhook.js";
import { verifyWebhookSignature } from "../../src/notifier/webhook-signature.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { eventually } from "../helpers/eventually.js";
import { jobOf, startTestService, type TestService } from "../helpers/service.js";

const SECRET = "whsec-test-0123456789abcdef";

interface Delivery {
  id: string;
  body: { id: string; event: string; orgId: string; notification: { jobId: string | null; kind: string } };
  verified: boolean;
  status: number;
  attempt: string | undefined;
}

let receiver: Server;
let url = "";
const deliveries: Delivery[] = [];
/** Per notification id: how many more times the receiver answers 500 before it accepts. */
const failFirst = new Map<string, number>();

let t: TestService;
beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const body = JSON.parse(raw) as Delivery["body"];
      const verified = verifyWebhookSignature({
        secret: SECRET,
        header: req.headers["x-flywheel-signature"] as string,
        body: raw,
      });
      const left = failFirst.get(body.id) ?? 0;
      const status = !verified ? 401 : left > 0 ? 500 : 200;
      if (left > 0) failFirst.set(body.id, left - 1);
      deliveries.push({
        id: body.id,
        body,
        verified,
        status,
        attempt: req.headers["x-flywheel-attempt"] as string | undefined,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/flywheel`;
  t = await startTestService({
    env: {
      NOTIFY_WEBHOOK_URL: url,
      NOTIFY_WEBHOOK_SECRET: SECRET,
      NOTIFY_WEBHOOK_RETRY_DELAYS_MS: "100,200,300",
    },
  });
});
afterAll(async () => {
  await t.stop();
  await new Promise((ok) => receiver.close(ok));
});

const accepted = (id: string) => deliveries.filter((d) => d.id === id && d.status === 200);

async function notify(message: string) {
  return insertNotification(t.db.db, { orgId: t.orgId, userId: "u1", kind: "test", title: "t", message });
}

describe("notification webhook", () => {
  test("a failed job's notification reaches the app once, signed", async () => {
    const res = await t.api("/v1/jobs", {
      method: "POST",
      json: { type: "scripted", userId: "u1", payload: { script: ["422"] } },
    });
    const { job } = (await res.json()) as { job: { id: string } };
    await eventually(async () => (await jobOf(t, job.id)).status === "failed");
    const d = await eventually(() => deliveries.find((x) => x.body.notification.jobId === job.id));
    expect(d.verified).toBe(true);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ event: "notification", orgId: t.orgId });
    expect(d.body.notification.kind).toBe("job_failed");
    // Another notification goes through after it: the first was not sent again.
    const later = await notify("later");
    await eventually(() => accepted(later.id).length === 1);
    expect(deliveries.filter((x) => x.id === d.id)).toHaveLength(1);
  });

  test("a receiver failing twice then succeeding still gets it once", async () => {
    const row = await notify("flaky receiver");
    failFirst.set(row.id, 2);
    await eventually(() => accepted(row.id).length === 1, { timeoutMs: 10_000 });
    const seen = deliveries.filter((x) => x.id === row.id);
    expect(seen.map((x) => x.status)).toEqual([500, 500, 200]);
    expect(seen.map((x) => x.attempt)).toEqual(["1", "2", "3"]);
    const after = await notify("after the flaky one");
    await eventually(() => accepted(after.id).length === 1);
    expect(deliveries.filter((x) => x.id === row.id)).toHaveLength(3);
    const [stored] = rowsOf(
      await t.db.db.execute(
        sql`select webhook_attempts, webhook_delivered_at from notifications where id = ${row.id}`,
      ),
    );
    expect(stored).toMatchObject({ webhook_attempts: 3 });
    expect(stored!.webhook_delivered_at).not.toBeNull();
  });

  test("a signature made with another secret or for another body does not verify", () => {
    const body = JSON.stringify({ id: "ntf_1" });
    const now = Math.floor(Date.now() / 1000);
    const sign = (secret: string, b: string) =>
      `t=${now},v1=${createHmac("sha256", secret).update(`${now}.${b}`).digest("hex")}`;
    expect(verifyWebhookSignature({ secret: SECRET, header: sign(SECRET, body), body })).toBe(true);
    expect(verifyWebhookSignature({ secret: SECRET, header: sign("other-secret-000000", body), body })).toBe(
      false,
    );
    expect(verifyWebhookSignature({ secret: SECRET, header: sign(SECRET, body), body: `${body} ` })).toBe(
      false,
    );
    const old = verifyWebhookSignature({
      secret: SECRET,
      header: sign(SECRET, body),
      body,
      nowS: now + 3600,
    });
    expect(old).toBe(false);
  });

  test("two senders at once deliver each of many notifications exactly once", async () => {
    const second = new WebhookSender({
      url,
      secret: SECRET,
      db: t.db.db,
      log: createLogger({ level: "silent" }),
      retryDelaysMs: [100, 200],
      intervalMs: 20,
    });
    second.start();
    try {
      const rows = await Promise.all(Array.from({ length: 30 }, (_, i) => notify(`burst ${i}`)));
      await eventually(() => rows.every((r) => accepted(r.id).length >= 1), { timeoutMs: 15_000 });
      for (const r of rows) expect(deliveries.filter((x) => x.id === r.id)).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

describe("webhook retries on their own database (one sender, a scripted receiver)", () => {
  interface Hit {
    id: string;
    attempt: number;
    receivedAt: number;
    answeredAt: number;
    status: number;
  }
  /** Per notification id, the answers for attempts 1, 2, ... (then 200 at once). */
  const script = new Map<string, { delayMs: number; status: number }[]>();
  const hits: Hit[] = [];
  let server: Server;
  let hookUrl = "";
  let db: TestDatabase;
  let orgId = "";

  beforeAll(async () => {
    server = createServer((req, res) => {
      const receivedAt = Date.now();
      let raw = "";
      req.on("data", (c) => {
        raw += c;
      });
      req.on("end", () => {
        const id = (JSON.parse(raw) as { id: string }).id;
        const attempt = Number(req.headers["x-flywheel-attempt"]);
        const answer = script.get(id)?.[attempt - 1] ?? { delayMs: 0, status: 200 };
        setTimeout(() => {
          hits.push({ id, attempt, receivedAt, answeredAt: Date.now(), status: answer.status });
          res.writeHead(answer.status).end();
        }, answer.delayMs);
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    db = await createTestDatabase();
    orgId = (await createOrg(db.db, "webhook-retries")).org.id;
  });
  afterAll(async () => {
    await db?.close();
    await new Promise((ok) => server.close(ok));
  });

  function sender(retryDelaysMs: number[]) {
    const s = new WebhookSender({
      url: hookUrl,
      secret: SECRET,
      db: db.db,
      log: createLogger({ level: "silent" }),
      retryDelaysMs,
      intervalMs: 20,
      timeoutMs: 5_000,
    });
    s.start();
    return s;
  }
  const notifyHere = (message: string) =>
    insertNotification(db.db, { orgId, userId: "u1", kind: "test", title: "t", message });

  test("the wait before a retry counts from the failed attempt, not from the notification's creation", async () => {
    const row = await notifyHere("slow then failing");
    // Attempt 1 answers 500 after 1.2 s, longer than the 0.8 s wait: counted from creation, attempt 2
    // would go out at once.
    script.set(row.id, [{ delayMs: 1_200, status: 500 }]);
    const s = sender([800]);
    try {
      await eventually(() => hits.some((h) => h.id === row.id && h.status === 200), { timeoutMs: 10_000 });
    } finally {
      await s.stop();
    }
    const [first, second] = hits.filter((h) => h.id === row.id);
    expect([first?.attempt, second?.attempt]).toEqual([1, 2]);
    expect(second!.receivedAt - first!.answeredAt).toBeGreaterThanOrEqual(790);
  });

  test("one slow receiver answer does not hold back the notifications claimed with it", async () => {
    const slow = await notifyHere("slow");
    const quick = await notifyHere("quick");
    script.set(slow.id, [{ delayMs: 1_500, status: 200 }]);
    const s = sender([800]);
    try {
      await eventually(() => hits.some((h) => h.id === slow.id), { timeoutMs: 10_000 });
    } finally {
      await s.stop();
    }
    const q = hits.find((h) => h.id === quick.id)!;
    const sl = hits.find((h) => h.id === slow.id)!;
    // Sent side by side: the quick one was answered while the slow one was still being waited for.
    expect(q.answeredAt).toBeLessThan(sl.answeredAt);
    expect(q.receivedAt).toBeLessThan(sl.answeredAt);
  });

  test("a row claimed by a sender that died is sent again once its lease runs out, once", async () => {
    const row = await notifyHere("orphaned");
    // A sender claimed it (attempt 1 counted, leased for 300 ms) and died before sending.
    const claimed = await claimDueWebhooks(db.db, { maxAttempts: 2, maxAgeMs: 60_000, leaseMs: 300 });
    expect(claimed.map((r) => r.id)).toContain(row.id);
    const stored = async () =>
      rowsOf(
        await db.db.execute(
          sql`select webhook_attempts, webhook_delivered_at, webhook_next_at from notifications where id = ${row.id}`,
        ),
      )[0]!;
    const s = sender([800]);
    try {
      await eventually(async () => (await stored()).webhook_delivered_at !== null, { timeoutMs: 10_000 });
    } finally {
      await s.stop();
    }
    expect(hits.filter((h) => h.id === row.id).map((h) => [h.attempt, h.status])).toEqual([[2, 200]]);
    expect(await stored()).toMatchObject({ webhook_attempts: 2, webhook_next_at: null });
  });
});
