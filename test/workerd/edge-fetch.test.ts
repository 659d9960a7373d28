// The Workers fetch guard (handlers/runtime/edge-fetch.ts) on its own, with the platform fetch replaced by
// a table of "public" sites: every redirect hop is checked, service origins skip the check, limits hold.
import { describe, expect, test } from "vitest";
import { createEdgeFetch } from "../../handlers/runtime/edge-fetch.js";

type Site = (req: Request) => Response;

function platform(sites: Record<string, Site>) {
  const seen: string[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push(`${req.method} ${req.url}`);
    const site = sites[new URL(req.url).origin];
    if (!site) throw new TypeError(`unreachable ${req.url}`);
    return site(req);
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

const redirect =
  (to: string, status = 302) =>
  () =>
    new Response(null, { status, headers: { location: to } });

describe("edge fetch guard", () => {
  test("a redirect to the cloud metadata address is refused before it is fetched", async () => {
    const p = platform({ "https://public.example": redirect("http://169.254.169.254/latest/meta-data/") });
    const f = createEdgeFetch({ allowPrivate: false, serviceOrigins: [], fetch: p.fetch });
    await expect(f("https://public.example/a")).rejects.toMatchObject({
      name: "PermanentError",
      code: "blocked_url",
    });
    expect(p.seen).toEqual(["GET https://public.example/a"]);
  });

  test("literal private addresses in any spelling and local names are refused without a request", async () => {
    const p = platform({});
    const f = createEdgeFetch({ allowPrivate: false, serviceOrigins: [], fetch: p.fetch });
    for (const url of [
      "http://127.1/",
      "http://0x7f000001/",
      "http://[::ffff:10.0.0.1]/",
      "http://db.internal/",
      "ftp://x.example/",
    ]) {
      await expect(f(url)).rejects.toMatchObject({ code: "blocked_url" });
    }
    expect(p.seen).toEqual([]);
  });

  test("public redirects are followed (at most 5), 303 turns POST into GET, credentials stay on their origin", async () => {
    const p = platform({
      "https://a.example": (req) =>
        new URL(req.url).pathname === "/post" ? redirect("https://b.example/done", 303)() : new Response("a"),
      "https://b.example": (req) =>
        new Response(`${req.method} auth=${req.headers.get("authorization") ?? "none"}`),
      "https://loop.example": (req) =>
        redirect(`https://loop.example/${Number(new URL(req.url).pathname.slice(1)) + 1}`)(),
    });
    const f = createEdgeFetch({ allowPrivate: false, serviceOrigins: [], fetch: p.fetch });
    const res = await f("https://a.example/post", {
      method: "POST",
      body: "x",
      headers: { authorization: "Bearer s" },
    });
    expect(await res.text()).toBe("GET auth=none");
    await expect(f("https://loop.example/0")).rejects.toMatchObject({ code: "too_many_redirects" });
    expect(p.seen.filter((s) => s.includes("loop.example"))).toHaveLength(6);
    const manual = await f("https://a.example/post", { method: "POST", redirect: "manual" });
    expect(manual.status).toBe(303);
  });

  test("service origins skip the check (an operator's private OpenAI-compatible server)", async () => {
    const p = platform({ "http://10.0.0.5:8080": () => new Response("ok") });
    const f = createEdgeFetch({
      allowPrivate: false,
      serviceOrigins: ["http://10.0.0.5:8080/v1"],
      fetch: p.fetch,
    });
    expect(await (await f("http://10.0.0.5:8080/v1/chat/completions", { method: "POST" })).text()).toBe("ok");
    await expect(f("http://10.0.0.6/")).rejects.toMatchObject({ code: "blocked_url" });
  });
});
