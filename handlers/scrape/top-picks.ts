// The pages a crawl fetches next, chosen from any number of candidates in O(limit) memory: the newest
// `lastmod` first, pages without one after, in discovery order. Trims to `limit` each time it doubles.

export interface Candidate {
  url: string;
  lastmod: Date | null;
  via: "sitemap" | "link";
}

interface Ranked extends Candidate {
  seq: number;
}

const byRank = (a: Ranked, b: Ranked) =>
  (b.lastmod?.getTime() ?? Number.NEGATIVE_INFINITY) - (a.lastmod?.getTime() ?? Number.NEGATIVE_INFINITY) ||
  a.seq - b.seq;

export class TopPicks {
  private items: Ranked[] = [];
  private seq = 0;

  constructor(private readonly limit: number) {}

  push(candidate: Candidate): void {
    this.items.push({ ...candidate, seq: this.seq++ });
    if (this.items.length >= 2 * this.limit + 16) this.trim();
  }

  /** The best `limit` candidates, best first, one per URL. */
  take(): Candidate[] {
    this.trim();
    return this.items.map(({ seq: _, ...c }) => c);
  }

  private trim(): void {
    const seen = new Set<string>();
    this.items = this.items
      .sort(byRank)
      .filter((c) => !seen.has(c.url) && seen.add(c.url))
      .slice(0, this.limit);
  }
}
