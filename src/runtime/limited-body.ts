// Caps a response body at `maxBytes` of decoded (decompressed) bytes: a declared Content-Length over
// the cap fails at once without reading, otherwise the stream errors as soon as the count passes the cap.
import { PermanentError } from "../../handlers/kit/errors.js";

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export function bodyTooLarge(url: string, maxBytes: number): PermanentError {
  return new PermanentError("body_too_large", `${url} sent more than ${maxBytes} bytes`);
}

export function limitBody(
  res: Response,
  opts: { maxBytes: number; url: string; mapError: (err: unknown) => unknown },
): Response {
  const headers = new Headers(res.headers);
  const declared = Number(headers.get("content-length") ?? "NaN");
  // The decoded body is what we hand on: its encoding and length headers no longer describe it.
  headers.delete("content-encoding");
  headers.delete("content-length");
  if (NULL_BODY.has(res.status) || !res.body) {
    void res.body?.cancel().catch(() => {});
    return new Response(null, { status: res.status, statusText: res.statusText, headers });
  }
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    void res.body.cancel().catch(() => {});
    throw bodyTooLarge(opts.url, opts.maxBytes);
  }
  const reader = res.body.getReader();
  let seen = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        seen += value.byteLength;
        if (seen > opts.maxBytes) {
          void reader.cancel().catch(() => {});
          return controller.error(bodyTooLarge(opts.url, opts.maxBytes));
        }
        controller.enqueue(value);
      } catch (err) {
        controller.error(opts.mapError(err));
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(stream, { status: res.status, statusText: res.statusText, headers });
}
