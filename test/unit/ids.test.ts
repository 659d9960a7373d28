// Ids come from a pooled random buffer: they must keep their shape and never repeat across refills.
import { expect, test } from "vitest";
import { newId } from "../../handlers/kit/ids.js";

test("ids are the prefix and 128 random bits in hex, distinct across pool refills", () => {
  const ids = Array.from({ length: 10_000 }, () => newId("job")); // 10,000 × 16 bytes: ~40 refills
  expect(ids.every((id) => /^job_[0-9a-f]{32}$/.test(id))).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  // Not a counter: consecutive ids share no long common prefix.
  const shared = [...ids[0]!].findIndex((ch, i) => ch !== ids[1]![i]);
  expect(shared).toBeLessThan(12);
});
