// OAuth tokens at rest: AES-256-GCM with Web Crypto (Node and workerd). `TOKEN_ENCRYPTION_KEYS` is
// `kid:base64key,...`: the first key encrypts, every key decrypts (rotation). The ciphertext
// `v1.<kid>.<iv>.<data>` carries its key id, and the row id is the associated data, so a ciphertext copied
// to another row does not decrypt.
import { MissingSettingError } from "../kit/errors.js";

export interface TokenCipher {
  encrypt(rowId: string, plaintext: string): Promise<string>;
  decrypt(rowId: string, ciphertext: string): Promise<string>;
}

/** The stored value could not be decrypted (wrong row, unknown key id, tampered). */
export class TokenDecryptError extends Error {
  override name = "TokenDecryptError";
}

interface Keyring {
  primaryKid: string;
  keys: Map<string, CryptoKey>;
}

const KID = /^[A-Za-z0-9_-]{1,32}$/;
const keyringCache = new Map<string, Promise<Keyring>>();

function b64urlEncode(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function b64Decode(text: string): Uint8Array<ArrayBuffer> {
  const std = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(std + "=".repeat((4 - (std.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function importKeyring(spec: string): Promise<Keyring> {
  const keys = new Map<string, CryptoKey>();
  let primaryKid = "";
  for (const entry of spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const sep = entry.indexOf(":");
    const kid = entry.slice(0, sep);
    if (sep < 1 || !KID.test(kid))
      throw new Error("TOKEN_ENCRYPTION_KEYS: each entry is kid:base64key (kid: letters, digits, _ -)");
    let raw: Uint8Array<ArrayBuffer>;
    try {
      raw = b64Decode(entry.slice(sep + 1));
    } catch {
      throw new Error(`TOKEN_ENCRYPTION_KEYS: key ${kid} is not base64`);
    }
    if (raw.length !== 32)
      throw new Error(`TOKEN_ENCRYPTION_KEYS: key ${kid} must be 32 bytes, got ${raw.length}`);
    if (keys.has(kid)) throw new Error(`TOKEN_ENCRYPTION_KEYS: key id ${kid} appears twice`);
    keys.set(kid, await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
    primaryKid ||= kid;
  }
  if (!primaryKid) throw new Error("TOKEN_ENCRYPTION_KEYS is empty");
  return { primaryKid, keys };
}

/**
 * A cipher over `TOKEN_ENCRYPTION_KEYS`; imported keys are cached per key string. Unset: every call rejects
 * with MissingSettingError `token_encryption_unconfigured` (503), so what needs no token still works;
 * invalid: every call rejects naming the bad entry.
 */
export function createTokenCipher(spec: string | undefined): TokenCipher {
  if (!spec) {
    const unconfigured = async (): Promise<never> => {
      throw new MissingSettingError(
        "token_encryption_unconfigured",
        "TOKEN_ENCRYPTION_KEYS is not configured on this service: social account tokens cannot be stored or read",
      );
    };
    return { encrypt: unconfigured, decrypt: unconfigured };
  }
  let ring = keyringCache.get(spec);
  if (!ring) {
    ring = importKeyring(spec);
    ring.catch(() => keyringCache.delete(spec));
    keyringCache.set(spec, ring);
  }
  const keyring = ring;
  const aad = (rowId: string) => new TextEncoder().encode(rowId);
  return {
    async encrypt(rowId, plaintext) {
      const { primaryKid, keys } = await keyring;
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const data = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: aad(rowId) },
        keys.get(primaryKid)!,
        new TextEncoder().encode(plaintext),
      );
      return `v1.${primaryKid}.${b64urlEncode(iv)}.${b64urlEncode(new Uint8Array(data))}`;
    },
    async decrypt(rowId, ciphertext) {
      const { keys } = await keyring;
      const [version, kid, iv, data] = ciphertext.split(".");
      if (version !== "v1" || !kid || !iv || !data)
        throw new TokenDecryptError("unrecognised token ciphertext format");
      const key = keys.get(kid);
      if (!key)
        throw new TokenDecryptError(`token was encrypted with key ${kid}, which is no longer configured`);
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: b64Decode(iv), additionalData: aad(rowId) },
          key,
          b64Decode(data),
        );
        return new TextDecoder().decode(plain);
      } catch {
        throw new TokenDecryptError("token ciphertext does not belong to this row or was altered");
      }
    },
  };
}
