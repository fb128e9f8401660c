import { Lru } from '../lru.js';
import type { SharedState, Subscription } from '../store/shared-state.js';

/** One OCSP answer that every asker of the same request gets until it expires (RFC 5019 style). */
export interface SharedOcspAnswer {
  der: Buffer;
  /** The one certificate's status in it, to confirm a hit against the database when we must. */
  status: 'good' | 'revoked';
  serialHex: string;
  producedAt: Date;
  nextUpdate: Date;
  /** Served from memory until then (and HTTP caches may keep it as long). */
  expiresAt: Date;
  /** A strong validator for HTTP caches: the answer's SHA-1, quoted. */
  etag: string;
}

export interface CachedCrl {
  der: Buffer;
  /** Served from memory until then; the next request reads or rebuilds it. */
  freshUntil: number;
  thisUpdate: number;
}

/** The channel every instance hears revocations on (PostgreSQL stays the source of truth). */
export const REVOCATIONS_CHANNEL = 'ca-revocations';
const MAX_OCSP_ANSWERS = 20_000;

/**
 * What a revocation makes stale, held in memory so that the PKI endpoints answer without the
 * database: OCSP answers without a nonce (keyed by the request's bytes) and CRLs.
 *
 * Every instance subscribes to one channel of the shared state (Redis pub/sub across instances);
 * a revocation, on whichever instance, is announced there after its transaction committed, and
 * every instance drops everything here at once. Revocations are rare; dropping all is simplest.
 *
 * While messages could be missed (Redis unreachable, or one PostgreSQL shared by instances without
 * Redis) a hit is not `trusted`: the caller confirms it against the database before serving it.
 * Without shared state (the CLI, tests of the CA alone) nothing is cached.
 *
 * A `generation` guards the race of an answer made from a database read that a revocation overtook:
 * it is stored only if no revocation was heard between the read and the store.
 */
export class RevocationCache {
  #generation = 0;
  readonly #ocsp = new Lru<string, SharedOcspAnswer>(MAX_OCSP_ANSWERS);
  readonly #crls = new Map<string, CachedCrl>();
  readonly #subscription: Subscription | undefined;

  constructor(
    private readonly state: SharedState | undefined,
    /** Hits must be confirmed against the database even while the channel is live. */
    private readonly confirmHits: boolean,
    private readonly onAnnounceFailed: (err: unknown) => void = () => {},
  ) {
    this.#subscription = state?.subscribe(REVOCATIONS_CHANNEL, () => this.drop());
  }

  get enabled(): boolean {
    return this.#subscription !== undefined;
  }

  /** False while a revocation elsewhere might not have reached us: confirm hits against the database. */
  get trusted(): boolean {
    return !this.confirmHits && (this.#subscription?.live ?? false);
  }

  get generation(): number {
    return this.#generation;
  }

  ocsp(requestKey: string, nowMs: number): SharedOcspAnswer | undefined {
    const hit = this.#ocsp.get(requestKey);
    if (!hit) return undefined;
    if (hit.expiresAt.getTime() <= nowMs || hit.producedAt.getTime() > nowMs) {
      this.#ocsp.delete(requestKey);
      return undefined;
    }
    return hit;
  }

  putOcsp(requestKey: string, answer: SharedOcspAnswer, generation: number): void {
    if (this.enabled && generation === this.#generation) this.#ocsp.set(requestKey, answer);
  }

  /** A CRL from memory, only while nothing could have been missed. */
  crl(caId: string, nowMs: number): Buffer | undefined {
    if (!this.trusted) return undefined;
    const hit = this.#crls.get(caId);
    if (!hit || nowMs >= hit.freshUntil || nowMs < hit.thisUpdate) return undefined;
    return hit.der;
  }

  putCrl(caId: string, crl: CachedCrl, generation: number): void {
    if (this.enabled && generation === this.#generation) this.#crls.set(caId, crl);
  }

  /** Forget everything (a revocation was heard, or messages may have been missed). */
  drop(): void {
    this.#generation++;
    this.#ocsp.clear();
    this.#crls.clear();
  }

  /**
   * After a revocation committed: drop here at once, then tell every other instance. If the shared
   * state cannot be reached it is retried for as long as an answer may live elsewhere; past that,
   * every answer made before the revocation has expired anyway.
   */
  async announce(serials: string[], retryForMs: number): Promise<void> {
    this.drop();
    const state = this.state;
    if (!state) return;
    const message = serials.join(',');
    const deadline = Date.now() + retryForMs;
    const attempt = async (): Promise<void> => {
      try {
        await state.publish(REVOCATIONS_CHANNEL, message);
      } catch (err) {
        if (Date.now() >= deadline) return this.onAnnounceFailed(err);
        setTimeout(() => void attempt(), 500).unref();
      }
    };
    await attempt();
  }

  async close(): Promise<void> {
    await this.#subscription?.unsubscribe();
  }
}
