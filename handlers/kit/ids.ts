// Random, unguessable ids with a readable type prefix (e.g. `job_4f9c...`): 128 bits from Web Crypto.
export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return `${prefix}_${hex}`;
}
