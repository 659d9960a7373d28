// What a handler receives per request from its runtime adapter (Node or workerd): I/O is passed in,
// never reached for, so the same handler code runs on both runtimes and in tests.

import type { Db } from "../../db/client.js";
import type { HandlerConfig } from "../config.js";
import type { QuotaReport } from "./quota.js";

/** A tiny key-value store over Redis (ioredis on Node, @upstash/redis on the edge). Keys are prefixed by the adapter. */
export interface Kv {
  get(key: string): Promise<string | null>;
  /** SET with an optional time to live in milliseconds. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** SET NX PX: true when the key was absent and is now set. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(key: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface HandlerContext {
  db: Db;
  kv: Kv;
  /** Outbound HTTP. On Node it refuses private addresses unless configured; on workerd, URL-level checks. */
  fetch: typeof fetch;
  clock: Clock;
  config: HandlerConfig;
  log: Logger;
  /** The upstream quotas this request used (reportQuota in quota.ts); the handlers app answers them as headers. */
  quota?: QuotaReport[];
}

/** The relay's request body (ARCHITECTURE: Relay → handler request). */
export interface JobEnvelope<P = unknown> {
  jobId: string;
  type: string;
  orgId: string;
  userId: string;
  attempt: number;
  maxAttempts: number;
  payload: P;
}

/** What `onFailed` receives when a job fails for good; it runs in the relay (Node) after the last attempt. */
export interface FailedJob<P = unknown> {
  jobId: string;
  type: string;
  orgId: string;
  userId: string;
  payload: P;
  errorCode: string | null;
  errorMessage: string;
}

export interface FailureContext {
  db: Db;
  clock: Clock;
  log: Logger;
}

/** Per-request context factory; `done` releases per-request resources (e.g. a Neon connection). */
export interface RuntimeAdapter {
  context(request: Request): Promise<{ ctx: HandlerContext; done: () => Promise<void> }>;
}
