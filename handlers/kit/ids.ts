// Random, unguessable ids with a readable type prefix (e.g. `job_4f9c...`): 128 bits from Web Crypto,
// drawn from a pooled buffer (one getRandomValues call per 256 ids: ids are made several times per job).
const POOL_BYTES = 4096;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
let pool = new Uint8Array(0);
let offset = 0;

export function newId(prefix: string): string {
  if (offset + 16 > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    offset = 0;
  }
  let hex = "";
  for (let i = offset; i < offset + 16; i++) hex += HEX[pool[i]!];
  offset += 16;
  return `${prefix}_${hex}`;
}
