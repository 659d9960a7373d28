// Reads a response body with a byte cap (counted on the decoded stream, so also after decompression)
// and decodes it by its BOM, the charset from Content-Type, a <meta charset> or the XML declaration.
import { PermanentError } from "../kit/errors.js";
import { fixWindows1252 } from "./windows-1252.js";

export async function readBodyCapped(res: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  const tooLarge = () => new PermanentError("body_too_large", `${url} sent more than ${maxBytes} bytes`);
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes && !res.headers.get("content-encoding")) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The encoding a byte-order mark names (it wins over every declaration, as in the WHATWG decode algorithm). */
function bomEncoding(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  return null;
}

/** `<meta charset>`, `<meta http-equiv="Content-Type" content="...; charset=...">` or the XML declaration. */
function sniffCharset(head: string): string | null {
  return (
    /<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)/i.exec(head)?.[1] ??
    /<\?xml[^>]+encoding\s*=\s*["']([\w:.-]+)["']/i.exec(head)?.[1] ??
    null
  );
}

function decoderFor(label: string): TextDecoder | null {
  try {
    return new TextDecoder(label.trim().toLowerCase());
  } catch {
    return null;
  }
}

/**
 * Decodes a body: a BOM, else the Content-Type charset, else a charset declared in the first 4 KiB, else
 * UTF-8. Labels are WHATWG's (gb2312 → gbk, latin1/iso-8859-1 → windows-1252...). An unknown label, or
 * one the runtime lacks, falls through to the next source. A `<meta>` naming UTF-16 means UTF-8 (WHATWG).
 */
export function decodeBody(bytes: Uint8Array, contentType: string | null): string {
  const bom = bomEncoding(bytes);
  if (bom) return new TextDecoder(bom).decode(bytes);
  const declared = /charset\s*=\s*["']?([\w:.-]+)/i.exec(contentType ?? "")?.[1];
  const fromHeader = declared ? decoderFor(declared) : null;
  if (fromHeader) return decodeWith(fromHeader, bytes);
  const sniffed = sniffCharset(new TextDecoder("windows-1252").decode(bytes.subarray(0, 4096)));
  const fromMeta = sniffed && !/^utf-?16/i.test(sniffed) ? decoderFor(sniffed) : null;
  return decodeWith(fromMeta ?? new TextDecoder("utf-8"), bytes);
}

function decodeWith(decoder: TextDecoder, bytes: Uint8Array): string {
  const text = decoder.decode(bytes);
  return decoder.encoding === "windows-1252" ? fixWindows1252(text) : text;
}
