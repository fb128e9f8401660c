import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { SEAL_KEY_ALGORITHMS, type SealKeyAlgorithm } from './algorithms/table.js';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Every setting of the service (the README lists them), read from the environment once at start and
 * validated. A bad value stops the process with one line naming the variable.
 */
const kekSchema = z
  .string()
  .refine((v) => Buffer.from(v, 'base64').length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(v), {
    message: 'must be base64 of exactly 32 bytes',
  });

const urlSchema = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(' or ')})` },
  );

/** An IP address, or a subnet in CIDR notation (10.0.0.0/8, fd00::/8). */
const isAddressOrSubnet = (v: string) => {
  const [addr, bits, ...rest] = v.split('/');
  if (rest.length > 0 || !addr || !isIP(addr)) return false;
  if (bits === undefined) return true;
  const max = isIP(addr) === 4 ? 32 : 128;
  return /^[0-9]{1,3}$/.test(bits) && Number(bits) <= max;
};

const hostSchema = z
  .string()
  .max(255)
  .refine((v) => isIP(v) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/.test(v), {
    message: 'must be an IP address or a host name',
  });

const proxyListSchema = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
  .refine((list) => list.every(isAddressOrSubnet), { message: 'must be IP addresses or CIDR subnets, separated by commas' });

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: hostSchema.default('127.0.0.1'),
  SEAL_TRUST_PROXY: proxyListSchema.optional(),
  SEAL_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: urlSchema(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: urlSchema(['redis:', 'rediss:']).optional(),
  SEAL_KEK: kekSchema.optional(),
  SEAL_PUBLIC_URL: urlSchema(['http:', 'https:']).optional(),
  SEAL_BOOTSTRAP_TOKEN: z.string().min(32, 'must be at least 32 characters').max(512).optional(),
  SEAL_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(50 * 1024 * 1024),
  SEAL_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  SEAL_PKI_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60_000),
  SEAL_REFUSAL_AUDIT_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  SEAL_IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(600),
  SEAL_IDEMPOTENCY_MAX_BYTES: z.coerce.number().int().min(64 * 1024).default(256 * 1024 * 1024),
  SEAL_TSA_URL: urlSchema(['http:', 'https:']).optional(),
  SEAL_DATABASE_OWNER_URL: urlSchema(['postgres:', 'postgresql:']).optional(),
  SEAL_AUDIT_CHECKPOINT_ENTRIES: z.coerce.number().int().min(1).default(100),
  SEAL_AUDIT_CHECKPOINT_MINUTES: z.coerce.number().positive().default(10),
  SEAL_DOCUMENT_WORKERS: z.coerce.number().int().min(1).max(256).optional(),
  SEAL_DOCUMENT_DEADLINE_SECONDS: z.coerce.number().positive().max(3600).default(60),
  SEAL_DOCUMENT_WORKER_MEMORY_MB: z.coerce.number().int().min(64).max(16384).default(512),
  SEAL_DEFAULT_ALGORITHM: z.enum(SEAL_KEY_ALGORITHMS as [SealKeyAlgorithm, ...SealKeyAlgorithm[]]).default('ECDSA-P256'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  /** The address to listen on (127.0.0.1 unless told otherwise; the container image sets 0.0.0.0). */
  host: string;
  /** Proxies whose X-Forwarded-For is believed (addresses or CIDR subnets); empty: the socket address is the client. */
  trustProxy: string[];
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** The key-encryption key; undefined means "development: generate one into dataDir". */
  kek?: Buffer;
  publicUrl: string;
  bootstrapToken?: string;
  maxBodyBytes: number;
  /** Requests a minute per caller before 429. */
  rateLimitPerMinute: number;
  /** Requests a minute per client address, per instance, to OCSP, CRLs and CA certificates before 429. */
  pkiRateLimitPerMinute: number;
  /** Refused requests written to the audit log one by one, per client address and minute; beyond it, counted into one entry. */
  refusalAuditPerMinute: number;
  /** Idempotency-Key answers: kept this long, and at most this many bytes in all (one answer at most a quarter of it). */
  idempotency: { ttlSeconds: number; maxBytes: number };
  /** An external RFC 3161 TSA for B-T and up; our own TSA when unset. */
  tsaUrl?: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** Key algorithm of new seals when an application (or department seal) names none. */
  defaultAlgorithm: SealKeyAlgorithm;
  /** The role that owns the schema and runs migrations (default: databaseUrl's); the service's own role then cannot rewrite the audit log. */
  databaseOwnerUrl?: string;
  /** Audit log checkpoints: after this many entries, and at least this often while entries are written. */
  auditCheckpoint: { everyEntries: number; everyMinutes: number };
  /** The document worker pool: threads (default: the cores), deadline per job, heap per worker. */
  documentWorkers: { size: number; deadlineSeconds: number; memoryMb: number };
}

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, as a shell `FOO= npm start` means. */
function present(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') out[key] = v;
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(present(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const e = parsed.data;
  const dataDir = isAbsolute(e.SEAL_DATA_DIR) ? e.SEAL_DATA_DIR : resolve(e.SEAL_DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    trustProxy: e.SEAL_TRUST_PROXY ?? [],
    dataDir,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    kek: e.SEAL_KEK ? Buffer.from(e.SEAL_KEK, 'base64') : undefined,
    publicUrl: (e.SEAL_PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ''),
    bootstrapToken: e.SEAL_BOOTSTRAP_TOKEN,
    maxBodyBytes: e.SEAL_MAX_BODY_BYTES,
    rateLimitPerMinute: e.SEAL_RATE_LIMIT_PER_MINUTE,
    pkiRateLimitPerMinute: e.SEAL_PKI_RATE_LIMIT_PER_MINUTE,
    refusalAuditPerMinute: e.SEAL_REFUSAL_AUDIT_PER_MINUTE,
    idempotency: { ttlSeconds: e.SEAL_IDEMPOTENCY_TTL_SECONDS, maxBytes: e.SEAL_IDEMPOTENCY_MAX_BYTES },
    tsaUrl: e.SEAL_TSA_URL,
    logLevel: e.LOG_LEVEL,
    defaultAlgorithm: e.SEAL_DEFAULT_ALGORITHM,
    databaseOwnerUrl: e.SEAL_DATABASE_OWNER_URL,
    auditCheckpoint: { everyEntries: e.SEAL_AUDIT_CHECKPOINT_ENTRIES, everyMinutes: e.SEAL_AUDIT_CHECKPOINT_MINUTES },
    documentWorkers: {
      size: e.SEAL_DOCUMENT_WORKERS ?? availableParallelism(),
      deadlineSeconds: e.SEAL_DOCUMENT_DEADLINE_SECONDS,
      memoryMb: e.SEAL_DOCUMENT_WORKER_MEMORY_MB,
    },
  };
}
