// Token encryption: AES-256-GCM with key ids (rotation: the first key encrypts, all decrypt) and the row id
// as associated data (a ciphertext is useless on another row).
import { randomBytes } from "node:crypto";
import { expect, test } from "vitest";
import { createTokenCipher, TokenDecryptError } from "../../handlers/analytics-sync/token-crypto.js";

const key = () => randomBytes(32).toString("base64");

test("round trip, random IV, kid in the ciphertext, no plaintext", async () => {
  const cipher = createTokenCipher(`a:${key()}`);
  const one = await cipher.encrypt("sa_1", "secret-token-value");
  const two = await cipher.encrypt("sa_1", "secret-token-value");
  expect(one).not.toBe(two);
  expect(one).toMatch(/^v1\.a\.[\w-]+\.[\w-]+$/);
  expect(one).not.toContain("secret");
  expect(await cipher.decrypt("sa_1", one)).toBe("secret-token-value");
});

test("bound to the row: another row id does not decrypt", async () => {
  const cipher = createTokenCipher(`a:${key()}`);
  const ct = await cipher.encrypt("sa_1", "t");
  await expect(cipher.decrypt("sa_2", ct)).rejects.toBeInstanceOf(TokenDecryptError);
});

test("rotation: a new first key encrypts, the old key still decrypts; a removed key does not", async () => {
  const oldKey = key();
  const newKey = key();
  const before = createTokenCipher(`old:${oldKey}`);
  const stored = await before.encrypt("sa_1", "t-old");
  const rotated = createTokenCipher(`new:${newKey},old:${oldKey}`);
  expect(await rotated.decrypt("sa_1", stored)).toBe("t-old");
  expect(await rotated.encrypt("sa_1", "t-new")).toMatch(/^v1\.new\./);
  const dropped = createTokenCipher(`new:${newKey}`);
  await expect(dropped.decrypt("sa_1", stored)).rejects.toThrow(/no longer configured/);
});

test("tampering is detected; bad key specs are refused", async () => {
  const cipher = createTokenCipher(`a:${key()}`);
  const ct = await cipher.encrypt("sa_1", "t");
  const parts = ct.split(".");
  parts[3] = `${parts[3]!.slice(0, -2)}AA`;
  await expect(cipher.decrypt("sa_1", parts.join("."))).rejects.toBeInstanceOf(TokenDecryptError);
  const unset = createTokenCipher(undefined);
  for (const call of [unset.encrypt("x", "y"), unset.decrypt("x", "v1.a.b.c")]) {
    await expect(call).rejects.toMatchObject({
      name: "MissingSettingError",
      code: "token_encryption_unconfigured",
      message: expect.stringContaining("TOKEN_ENCRYPTION_KEYS"),
    });
  }
  await expect(
    createTokenCipher(`a:${randomBytes(16).toString("base64")}`).encrypt("x", "y"),
  ).rejects.toThrow(/32 bytes/);
  await expect(createTokenCipher("nokey").encrypt("x", "y")).rejects.toThrow(/kid:base64key/);
});
