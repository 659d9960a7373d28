// Reads a response body with a byte cap (counted on the decoded stream, so also after decompression)
// and decodes it with the charset from Content-Type, a <meta charset> or the XML declaration.
import { PermanentError } from "../kit/errors.js";

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

function sniffCharset(head: string): string | null {
  return (
    /<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)/i.exec(head)?.[1] ??
    /<\?xml[^>]+encoding\s*=\s*["']([\w-]+)["']/i.exec(head)?.[1] ??
    null
  );
}

export function decodeBody(bytes: Uint8Array, contentType: string | null): string {
  const declared = /charset\s*=\s*["']?([\w-]+)/i.exec(contentType ?? "")?.[1];
  const label =
    declared ?? sniffCharset(new TextDecoder("latin1").decode(bytes.subarray(0, 2048))) ?? "utf-8";
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    // An unknown label (or one the runtime lacks, e.g. on workerd): UTF-8 is the web's default.
    return new TextDecoder("utf-8").decode(bytes);
  }
}
