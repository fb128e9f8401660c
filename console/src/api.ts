/**
 * The console is a client of openapi.yaml: these are the shapes it reads, and one fetch wrapper that
 * sends the token, parses problem+json into ApiError, and signs out on 401.
 */
export type Role = 'municipal-admin' | 'unit-admin' | 'operator' | 'auditor' | 'platform';

export interface Me {
  userId: string;
  name: string;
  role: Role;
  unitId: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Unit {
  id: string;
  name: string;
  code: string;
  aliases: string[];
  status: 'active' | 'deregistered';
  createdAt: string;
  deregisteredAt: string | null;
  activeSeals: number;
}

export interface User {
  id: string;
  name: string;
  role: Role;
  unitId: string | null;
  status: 'active' | 'disabled';
  createdAt: string;
  disabledAt: string | null;
}

export interface Application {
  id: string;
  unitId: string;
  unitName: string;
  template: string;
  text: string;
  bottomText: string | null;
  physicalSealRef: string;
  purpose: string;
  status: 'applied' | 'approved' | 'rejected';
  algorithm: string;
  replacesSealId: string | null;
  appliedAt: string;
  decidedAt: string | null;
  decisionReason: string | null;
  sealId: string | null;
  imprint: { imageSha256: string; sizeMm: { width: number; height: number }; report: Record<string, unknown>; imageUrl: string } | null;
}

export interface Seal {
  id: string;
  unitId: string;
  unitName: string;
  kind: 'unit' | 'department';
  name: string;
  department: string | null;
  template: string;
  text: string;
  status: 'active' | 'returned' | 'destroyed';
  algorithm: string;
  certificateSerial: string;
  notAfter: string;
  expiringSoon: boolean;
  createdAt: string;
  returnedAt: string | null;
  destroyedAt: string | null;
  operators: { id: string; name: string }[];
  imageUrl: string;
}

export interface AuditEntry {
  seq: string;
  at: string;
  action: string;
  outcome: 'ok' | 'refused';
  actorId: string | null;
  actorRole: string | null;
  onBehalfOf: string | null;
  unitId: string | null;
  sealId: string | null;
  details: Record<string, unknown>;
  hash: string;
}

export interface ChainReport {
  valid: boolean;
  entries: number;
  headSeq: string | null;
  checkpoints: number;
  lastCheckpoint: { id: string; at: string; headSeq: string } | null;
  problem: string | null;
  problems?: string[];
}

/** An error answer of the service (RFC 9457 problem), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The problem type's code: the part after urn:e-seal:problem: */
    readonly code: string,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }
}

const PROBLEM_PREFIX = 'urn:e-seal:problem:';

export interface Client {
  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T>;
  send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** Bytes (an image, an export) as a Blob. */
  blob(path: string, init?: { method?: 'GET' | 'POST'; body?: unknown }): Promise<Blob>;
  /** POSTs a file as the raw body, with its own content type (an imprint scan). */
  upload<T>(path: string, file: File): Promise<T>;
}

export function createClient(token: string, onUnauthorized: () => void): Client {
  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response;
    const file = body instanceof File ? body : null;
    const type = file ? file.type || 'application/octet-stream' : body !== undefined ? 'application/json' : null;
    try {
      res = await fetch(path, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(type ? { 'Content-Type': type } : {}) },
        body: file ?? (body !== undefined ? JSON.stringify(body) : undefined),
      });
    } catch (e) {
      throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
    }
    if (res.ok) return res;
    let problem: { type?: string; detail?: string; title?: string; field?: string } = {};
    try {
      problem = (await res.json()) as typeof problem;
    } catch {
      /* not JSON: keep the status */
    }
    const code = problem.type?.startsWith(PROBLEM_PREFIX) ? problem.type.slice(PROBLEM_PREFIX.length) : `http-${res.status}`;
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, code, problem.detail ?? problem.title ?? res.statusText, problem.field);
  }
  return {
    async get<T>(path: string, query: Record<string, string | number | undefined> = {}) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') qs.set(k, String(v));
      const res = await call('GET', qs.size ? `${path}?${qs}` : path);
      return (await res.json()) as T;
    },
    async send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) {
      const res = await call(method, path, body);
      // 204 No Content is still a success: {} so that callers tell it from a failure (undefined)
      return (res.status === 204 ? {} : await res.json()) as T;
    },
    async upload<T>(path: string, file: File) {
      return (await (await call('POST', path, file)).json()) as T;
    },
    async blob(path, init = {}) {
      return (await call(init.method ?? 'GET', path, init.body)).blob();
    },
  };
}

/** Checks a token by asking who it belongs to. */
export async function whoAmI(token: string): Promise<Me> {
  return createClient(token, () => undefined).get<Me>('/v1/me');
}
