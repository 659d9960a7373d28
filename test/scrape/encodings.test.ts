// Pages in legacy encodings, declared by the Content-Type header, a BOM or a <meta> tag (a BOM wins over
// the header), decode to the right text; items carry the language of `<html lang>`, else `og:locale`.
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import type { Route } from "./fake-site.js";
import { useScrapeFixtures } from "./fixtures.js";

const fx = useScrapeFixtures();

interface Case {
  name: string;
  encoding: string;
  phrase: string;
  /** How the charset is declared. */
  by: "header" | "meta" | "http-equiv" | "bom";
  lang?: string;
  ogLocale?: string;
  /** A Content-Type charset that a BOM overrides. */
  wrongHeader?: string;
  expectLanguage: string | null;
}

const cases: Case[] = [
  {
    name: "windows-1252",
    encoding: "windows-1252",
    phrase: "Les élèves apprécient le café à 5 € la tasse, dit-on",
    by: "header",
    lang: "fr",
    expectLanguage: "fr",
  },
  {
    name: "iso-8859-2",
    encoding: "iso-8859-2",
    phrase: "Zażółć gęślą jaźń, powiedział redaktor",
    by: "meta",
    lang: "pl-PL",
    expectLanguage: "pl-PL",
  },
  {
    name: "windows-1250",
    encoding: "windows-1250",
    phrase: "Příliš žluťoučký kůň úpěl ďábelské ódy",
    by: "http-equiv",
    ogLocale: "cs_CZ",
    expectLanguage: "cs-CZ",
  },
  {
    name: "gb18030",
    encoding: "gb18030",
    phrase: "内容飞轮让小团队持续发布好文章",
    by: "header",
    lang: "zh-CN",
    expectLanguage: "zh-CN",
  },
  {
    name: "gb2312",
    encoding: "gb2312",
    phrase: "营销团队每周都会重新利用已发布的内容",
    by: "meta",
    lang: "zh-Hans",
    expectLanguage: "zh-Hans",
  },
  {
    name: "shift_jis",
    encoding: "shift_jis",
    phrase: "コンテンツの循環は小さなチームを助けます",
    by: "meta",
    lang: "ja",
    expectLanguage: "ja",
  },
  {
    name: "euc-kr",
    encoding: "euc-kr",
    phrase: "콘텐츠 플라이휠은 작은 팀을 돕습니다",
    by: "header",
    lang: "ko",
    expectLanguage: "ko",
  },
  {
    name: "UTF-16LE by BOM over a wrong header",
    encoding: "utf-16le",
    phrase: "Ünïcödé wins by its byte-order mark",
    by: "bom",
    wrongHeader: "iso-8859-1",
    expectLanguage: null,
  },
  {
    name: "UTF-8 by BOM over a wrong header",
    encoding: "utf-8",
    phrase: "Größere Teams schätzen Übersicht",
    by: "bom",
    wrongHeader: "windows-1252",
    lang: "de",
    expectLanguage: "de",
  },
];

function page(c: Case): string {
  const meta =
    c.by === "meta"
      ? `<meta charset="${c.encoding}">`
      : c.by === "http-equiv"
        ? `<meta http-equiv="Content-Type" content="text/html; charset=${c.encoding}">`
        : "";
  const og = c.ogLocale ? `<meta property="og:locale" content="${c.ogLocale}">` : "";
  const para = `<p>${Array.from({ length: 6 }, () => c.phrase).join(". ")}.</p>`;
  return `<!doctype html><html${c.lang ? ` lang="${c.lang}"` : ""}><head>${meta}${og}<title>${c.phrase}</title></head>
<body><main><article><h1>${c.phrase}</h1>${para}${para}${para}</article></main></body></html>`;
}

function route(c: Case): Route {
  const bom = c.encoding === "utf-16le" ? Buffer.from([0xff, 0xfe]) : Buffer.from([0xef, 0xbb, 0xbf]);
  const body = Buffer.concat([c.by === "bom" ? bom : Buffer.alloc(0), iconv.encode(page(c), c.encoding)]);
  const charset = c.by === "header" ? c.encoding : c.wrongHeader;
  return (_req, res) => {
    res.writeHead(200, { "content-type": `text/html${charset ? `; charset=${charset}` : ""}` }).end(body);
  };
}

describe("encodings and languages", () => {
  it.each(cases)("$name ($by)", async (c) => {
    fx.site.route("/page", route(c));
    const id = await fx.h.addSource("website", `${fx.site.url}/page`);
    const res = await fx.h.scrape(id);
    expect(res.status).toBe(200);
    const [item] = await fx.h.items(id);
    expect(item!.title).toBe(c.phrase);
    expect(item!.text).toContain(c.phrase);
    expect(item!.language).toBe(c.expectLanguage);
  });

  it("has no language when the page declares none, and ignores what is no language tag", async () => {
    fx.site.route("/none", (_req, res) => {
      res
        .writeHead(200, { "content-type": "text/html" })
        .end(
          `<html lang="{{lang}}"><head><title>No language</title></head><body><p>${"Plain words about nothing in particular. ".repeat(20)}</p></body></html>`,
        );
    });
    const id = await fx.h.addSource("website", `${fx.site.url}/none`);
    expect((await fx.h.scrape(id)).status).toBe(200);
    expect((await fx.h.items(id))[0]!.language).toBeNull();
  });
});
