// Streams one sitemap (urlset or sitemapindex, XML, gzipped or not) through htmlparser2's SAX-style parser
// in xmlMode, handing each <loc>/<lastmod> to the caller as it goes: nothing but the current entry is held,
// so a 50,000-URL or 50 MB sitemap takes bounded memory. Stops at `maxBytes` decoded bytes or `maxEntries`.
import { Parser } from "htmlparser2";

export interface SitemapEntry {
  loc: string;
  lastmod: Date | null;
}

export interface SitemapVisitor {
  /** A page of a `<urlset>`. */
  page(entry: SitemapEntry): void;
  /** A child sitemap of a `<sitemapindex>`. */
  sitemap(entry: SitemapEntry): void;
}

export interface SitemapLimits {
  /** Decoded (decompressed) bytes read at most. The protocol's own limit is 50 MB. */
  maxBytes: number;
  /** Entries read at most. The protocol's own limit is 50,000. */
  maxEntries: number;
}

/** `complete` is false when a limit cut the sitemap short. */
export interface SitemapRead {
  entries: number;
  complete: boolean;
}

function parseLastmod(text: string): Date | null {
  const d = new Date(text.trim());
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The body as plain XML bytes: gzip (by its magic bytes, whatever the headers say) is inflated on the fly. */
async function plainStream(body: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const reader = body.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array();
  const replayed = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.byteLength) controller.enqueue(head);
      if (first.done) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  return gzip
    ? replayed.pipeThrough(new DecompressionStream("gzip") as ReadableWritablePair<Uint8Array, Uint8Array>)
    : replayed;
}

export async function readSitemap(
  body: ReadableStream<Uint8Array>,
  visit: SitemapVisitor,
  limits: SitemapLimits,
): Promise<SitemapRead> {
  let entries = 0;
  let overflow = false;
  let kind: "page" | "sitemap" | null = null;
  let field: "loc" | "lastmod" | null = null;
  let loc = "";
  let lastmod = "";
  const local = (name: string) => name.slice(name.indexOf(":") + 1).toLowerCase();
  const parser = new Parser(
    {
      onopentag(name) {
        const tag = local(name);
        if (tag === "url" || tag === "sitemap") {
          kind = tag === "url" ? "page" : "sitemap";
          loc = "";
          lastmod = "";
        } else if (kind && (tag === "loc" || tag === "lastmod")) field = tag;
      },
      ontext(text) {
        // Bounded: a hostile <loc> of megabytes is cut, never accumulated.
        if (field === "loc" && loc.length < 4096) loc += text;
        else if (field === "lastmod" && lastmod.length < 64) lastmod += text;
      },
      onclosetag(name) {
        const tag = local(name);
        if (tag === "loc" || tag === "lastmod") field = null;
        else if ((tag === "url" || tag === "sitemap") && kind) {
          const entry = { loc: loc.trim(), lastmod: parseLastmod(lastmod) };
          if (entries >= limits.maxEntries) overflow = true;
          else if (entry.loc) {
            entries++;
            if (kind === "page") visit.page(entry);
            else visit.sitemap(entry);
          }
          kind = null;
        }
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  const reader = (await plainStream(body)).getReader();
  const decoder = new TextDecoder("utf-8");
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > limits.maxBytes || overflow) {
        await reader.cancel().catch(() => {});
        parser.end();
        return { entries, complete: false };
      }
      parser.write(decoder.decode(value, { stream: true }));
    }
  } finally {
    reader.releaseLock();
  }
  parser.write(decoder.decode());
  parser.end();
  return { entries, complete: !overflow };
}
