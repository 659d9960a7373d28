// Opaque list cursors: base64url of `createdAt|id` of the last item on the page (keyset pagination).
import { unstorableReason } from "../../handlers/kit/storable.js";
import { ApiError } from "./errors.js";

export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): { createdAt: Date; id: string } | undefined {
  if (!cursor) return undefined;
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  const createdAt = new Date(at ?? "");
  // A crafted cursor may decode to a NUL (the query string itself was checked by the validation hook).
  if (!id || Number.isNaN(createdAt.getTime()) || unstorableReason(id)) {
    throw new ApiError(400, "invalid_request", "invalid cursor", [
      { path: "cursor", message: "not a cursor from a previous page" },
    ]);
  }
  return { createdAt, id };
}

/** `{items, nextCursor}` from rows fetched with limit + 1. */
export function page<R extends { createdAt: Date; id: string }, V>(
  rows: R[],
  limit: number,
  view: (r: R) => V,
) {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  const last = slice[slice.length - 1];
  return { items: slice.map(view), nextCursor: more && last ? encodeCursor(last) : null };
}
