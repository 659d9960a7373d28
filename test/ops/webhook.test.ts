// The notifications webhook through the real service: a local receiver verifies the signature and gets
// each notification exactly once, also when it fails twice first and when two senders run at once.
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { insertNotification } from "../../db/queries/notifications.js";
import { rowsOf } from "../../db/queries/rows.js";
import { createLogger } from "../../src/logger.js";
import { WebhookSender } from "../../src/notifier/webhook.js";
import { verifyWebhookSignature } from "../../src/notifier/webhook-signature.js";
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
