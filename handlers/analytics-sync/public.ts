// What the service's API may use of the analytics-sync type, from one entry point: connecting an account,
// the one token update (shared with the sync's refresh), the public view (never a token) and the cipher.
// Routes import nothing else from this folder (test/guard/api-imports.test.ts).
export {
  type AccountChange,
  createSocialAccount,
  type NewSocialAccount,
  publicAccount,
  type SocialAccountRow,
  updateSocialAccount,
} from "./accounts.js";
export { createTokenCipher, type TokenCipher } from "./token-crypto.js";
