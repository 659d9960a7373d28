// Keyset paging for schedule targets: yields pages of rows in `id` order until a short page, so a
// fan-out over 100,000 sources never holds them all at once.

/** Rows per page. @default 1000 */
export const TARGET_PAGE = 1000;

export async function* pagedById<T extends { id: string }>(
  page: (after: string | null, limit: number) => Promise<T[]>,
  limit = TARGET_PAGE,
): AsyncIterable<T[]> {
  let after: string | null = null;
  for (;;) {
    const rows = await page(after, limit);
    if (rows.length) yield rows;
    if (rows.length < limit) return;
    after = rows[rows.length - 1]!.id;
  }
}
