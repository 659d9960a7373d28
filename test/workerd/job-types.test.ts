// Every job type in handlers/catalog.ts, run by the built worker in workerd (Miniflare) with real signed
// requests: Postgres through the Neon driver (local WebSocket proxy), Redis through @upstash/redis (local
// REST server), and outbound calls reaching local OpenAI, X and website servers.
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { eq } from "drizzle-orm";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { contentItems, contextItems, contextSources, postMetrics, posts } from "../../db/schema.js";
import { createSocialAccount } from "../../handlers/analytics-sync/accounts.js";
import { createTokenCipher } from "../../handlers/analytics-sync/token-crypto.js";
import { catalog } from "../../handlers/catalog.js";
import { newId } from "../../handlers/kit/ids.js";
import { completion, type FakeOpenAi, startFakeOpenAi } from "../fakes/openai-server.js";
import { type FakeX, startFakeX } from "../fakes/platforms/x.js";
import { type FakeSite, html, startFakeSite } from "../scrape/fake-site.js";
import { articlePage, gzipped, urlset } from "../scrape/fake-sitemaps.js";
import { rss2 } from "../scrape/feeds.js";
import { removeBuild, startWorkerd, type WorkerdHarness } from "./harness.js";

const OPENAI_KEY = "sk-workerd-test";
const TOKEN_KEYS = `k1:${randomBytes(32).toString("base64")}`;

let h: WorkerdHarness;
let openai: FakeOpenAi;
let x: FakeX;
let site: FakeSite;

beforeAll(async () => {
  [openai, x, site] = await Promise.all([
    startFakeOpenAi({ apiKey: OPENAI_KEY }),
    startFakeX(),
    startFakeSite(),
  ]);
  h = await startWorkerd({
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: openai.baseUrl,
    OPENAI_TIMEOUT_MS: "10000",
    X_API_BASE_URL: x.url,
    TOKEN_ENCRYPTION_KEYS: TOKEN_KEYS,
    SCRAPER_ALLOW_PRIVATE_NETWORKS: "true",
    SCRAPER_TIMEOUT_MS: "10000",
  });
}, 120_000);
afterAll(async () => {
  await h?.close();
  await Promise.all([openai?.close(), x?.close(), site?.close()]);
  await removeBuild();
});

const covered = new Set<string>();

describe("every job type runs in workerd", () => {
  test("content-generation: OpenAI's structured output becomes drafts in Postgres", async () => {
    covered.add("content-generation");
    openai.enqueue(
      completion({
        twitter: [{ text: "Edge workers write posts too.", hashtags: ["Edge"] }],
        linkedin: [
          { text: "Our handlers now run on Cloudflare Workers.\n\nSame code as on Node.", hashtags: [] },
        ],
      }),
    );
    const jobId = newId("job");
    const res = await h.deliver(
      "content-generation",
      { topic: "Edge handlers", platforms: ["twitter", "linkedin"] },
      { jobId },
    );
    expect(res.status).toBe(200);
    const result = (await res.json()) as { itemIds: string[]; generator: string };
    expect(result.generator).toBe("openai");
    const items = await h.db.db.select().from(contentItems).where(eq(contentItems.jobId, jobId));
    expect(items.map((i) => i.platform).sort()).toEqual(["linkedin", "twitter"]);
    expect(result.itemIds.sort()).toEqual(items.map((i) => i.id).sort());
    expect(items.find((i) => i.platform === "twitter")?.text).toBe("Edge workers write posts too.\n\n#Edge");
    expect(openai.requests.at(-1)?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  });

  test("scrape: a website and an RSS feed (rss-parser under nodejs_compat) become context items", async () => {
    covered.add("scrape");
    const text =
      "A content flywheel turns published posts into insights, and insights into better posts. Each turn makes the next one cheaper. ";
    site.route(
      "/blog/post",
      html(`<!doctype html><html><head><title>Flywheel | Acme</title></head><body><nav>Menu</nav>
<main><article><h1>Flywheel</h1><p>${text.repeat(3)}</p><p>${text}</p></article></main><footer>© Acme</footer></body></html>`),
    );
    site.route("/feed.xml", (_req, res) => {
      res.writeHead(200, { "content-type": "application/rss+xml" }).end(
        rss2([
          {
            guid: "a",
            title: "Post A",
            html: "<p>Alpha <b>text</b>.</p>",
            date: new Date("2024-01-01T00:00:00Z"),
          },
          { guid: "b", title: "Post B", html: "<p>Beta text.</p>", date: new Date("2024-01-02T00:00:00Z") },
        ]),
      );
    });
    const web = newId("src");
    const feed = newId("src");
    await h.db.db.insert(contextSources).values([
      { id: web, orgId: h.orgId, userId: h.userId, kind: "website", url: `${site.url}/blog/post` },
      { id: feed, orgId: h.orgId, userId: h.userId, kind: "rss", url: `${site.url}/feed.xml` },
    ]);

    const a = await h.deliver("scrape", { sourceId: web });
    expect(a.status).toBe(200);
    expect(await a.json()).toMatchObject({ status: "scraped", newItems: 1 });
    const [page] = await h.db.db.select().from(contextItems).where(eq(contextItems.sourceId, web));
    expect(page?.text).toContain("A content flywheel turns published posts");
    expect(page?.text).not.toContain("Menu");

    const b = await h.deliver("scrape", { sourceId: feed });
    expect(b.status).toBe(200);
    expect(await b.json()).toMatchObject({ newItems: 2 });
    const entries = await h.db.db.select().from(contextItems).where(eq(contextItems.sourceId, feed));
    expect(entries.map((e) => e.title).sort()).toEqual(["Post A", "Post B"]);
    expect(entries.find((e) => e.title === "Post A")?.text).toBe("Alpha text.");
  });

  test("scrape: a site crawl in workerd (robots-parser, gzipped sitemap via DecompressionStream, legacy encodings)", async () => {
    const crawl = await startFakeSite();
    try {
      crawl.route(
        "/robots.txt",
        html(`User-agent: *\nDisallow: /private\nSitemap: ${crawl.url}/sitemap.xml.gz\n`, {
          "content-type": "text/plain",
        }),
      );
      const locs = ["/fr", "/ja", "/private/x"].map((p) => ({ loc: crawl.url + p }));
      crawl.route(
        "/sitemap.xml.gz",
        gzipped(() => urlset(locs)),
      );
      crawl.route("/", html(articlePage("home")));
      const legacy =
        (encoding: string, lang: string, phrase: string) => (_req: unknown, res: ServerResponse) =>
          void res
            .writeHead(200, { "content-type": `text/html; charset=${encoding}` })
            .end(iconv.encode(articlePage(phrase).replace('lang="en"', `lang="${lang}"`), encoding));
      crawl.route("/fr", legacy("windows-1252", "fr", "café à 5 €"));
      crawl.route("/ja", legacy("shift_jis", "ja", "コンテンツの循環"));
      const id = newId("src");
      await h.db.db.insert(contextSources).values({
        id,
        orgId: h.orgId,
        userId: h.userId,
        kind: "website",
        url: `${crawl.url}/`,
        scope: "site",
      });
      const res = await h.deliver("scrape", { sourceId: id });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ newItems: 3, pagesKnown: 4, pagesDisallowed: 1 });
      const items = await h.db.db.select().from(contextItems).where(eq(contextItems.sourceId, id));
      const byKey = new Map(items.map((i) => [i.itemKey, i]));
      expect(byKey.get(`${crawl.url}/fr`)).toMatchObject({ language: "fr" });
      expect(byKey.get(`${crawl.url}/fr`)?.text).toContain("Article café à 5 € explains");
      expect(byKey.get(`${crawl.url}/ja`)?.text).toContain("Article コンテンツの循環 explains");
      expect(crawl.requests.map((r) => r.path)).not.toContain("/private/x");
    } finally {
      await crawl.close();
    }
  });

  test("analytics-sync: X metrics become a snapshot; encrypted tokens decrypt with Web Crypto in workerd", async () => {
    covered.add("analytics-sync");
    const accessToken = `x-access-${randomBytes(8).toString("hex")}`;
    x.tokens.grant(accessToken);
    const account = await createSocialAccount(h.db.db, createTokenCipher(TOKEN_KEYS), {
      orgId: h.orgId,
      userId: h.userId,
      platform: "twitter",
      externalAccountId: "2244994945",
      accessToken,
      displayName: "acme",
    });
    const postId = newId("post");
    await h.db.db.insert(posts).values({
      id: postId,
      orgId: h.orgId,
      userId: h.userId,
      socialAccountId: account.id,
      platform: "twitter",
      externalPostId: "1228393702244134912",
      publishedAt: new Date(),
    });
    const res = await h.deliver("analytics-sync", { socialAccountId: account.id });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ platform: "twitter", posts: 1, snapshots: 1 });
    const [snap] = await h.db.db.select().from(postMetrics).where(eq(postMetrics.postId, postId));
    // The X docs quickstart example (test/fakes/platforms/x.ts): 892 likes, 23 replies, no impression count.
    expect(snap).toMatchObject({ likes: 892, comments: 23, impressions: 0, engagementRate: null });
  });

  test("analytics-sync: the platform's 429 comes back as 429 + Retry-After through workerd", async () => {
    const accessToken = `x-access-${randomBytes(8).toString("hex")}`;
    x.tokens.grant(accessToken);
    const account = await createSocialAccount(h.db.db, createTokenCipher(TOKEN_KEYS), {
      orgId: h.orgId,
      userId: h.userId,
      platform: "twitter",
      externalAccountId: "limited-user",
      accessToken,
      displayName: "limited",
    });
    await h.db.db.insert(posts).values({
      id: newId("post"),
      orgId: h.orgId,
      userId: h.userId,
      socialAccountId: account.id,
      platform: "twitter",
      externalPostId: "1228393702244134912",
      publishedAt: new Date(),
    });
    x.rateLimitedUntil = Math.floor(Date.now() / 1000) + 120;
    try {
      const res = await h.deliver("analytics-sync", { socialAccountId: account.id });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      x.rateLimitedUntil = null;
    }
  });

  test("a bad payload is refused with 400 naming the field", async () => {
    const res = await h.deliver("scrape", { sourceId: 42 });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "bad_payload" } });
  });

  test("the tests above covered every type in the catalog", () => {
    expect([...catalog.types()].sort()).toEqual([...covered].sort());
  });
});
