/**
 * The jobs the document workers run, and the calls a worker makes back to the main thread while it runs one.
 * Everything here crosses a thread boundary, so it is plain data: bytes, numbers, strings; the functions a job
 * needs (signing, time-stamping, revocation data, fetching) stay on the main thread and are reached by name.
 *
 * Sealing is split this way: the worker reads the document and prepares the update and the bytes to sign; it
 * asks the main thread to sign them (the KeyVault's unwrapped keys never enter a worker) and for the time-stamp
 * and revocation data; then it finishes the file.
 */
import type { CmsSigner, DigestName } from '../pdf/cms.js';
import type { SealAppearance, SealPdfOptions } from '../pdf/seal.js';
import type { SesSigner } from '../pdf/ses.js';
import type { Examination, ExamineRequest } from '../placement/index.js';

export type SealJobOptions = Omit<SealPdfOptions, 'signer' | 'timestamper' | 'revocation' | 'ses'> & {
  signer: Pick<CmsSigner, 'certificates' | 'keyAlgorithm' | 'digest'>;
  /** An SES_Signature's data (certificate, SESeal); the seal's signer signs it through the 'sign' call. */
  ses?: Omit<SesSigner, 'sign'>;
  /** Which of the main thread's timestampers (a number stable for one function), or none: see run-job.ts. */
  timestamper: number | false;
  revocation: boolean;
  appearance: SealAppearance;
};

export type Job =
  | { kind: 'verify'; bytes: Uint8Array; trustAnchors: Buffer[]; now?: number; online: boolean; allowRsa?: boolean;
      evidence?: { certificates?: Buffer[]; ocsps?: Buffer[]; crls?: Buffer[] } }
  | { kind: 'examine'; bytes: Uint8Array; request: ExamineRequest }
  | { kind: 'seal'; bytes: Uint8Array; options: SealJobOptions }
  /**
   * A sealing as the service does it, in one job: the document is read once, examined (classification mark,
   * placement=auto), the examination sent to the main thread ('examined' call), which answers with the sealing's
   * options or refuses (the job then ends with its error, nothing signed); then sealed from the same reading.
   */
  | { kind: 'examine-seal'; bytes: Uint8Array; request: ExamineRequest }
  | { kind: 'extend'; bytes: Uint8Array; digest?: DigestName; extraCertificates?: Buffer[]; issuerCertificates?: Buffer[];
      writeOptions?: { inPlace?: boolean; reserve?: number } };

/** A call from the worker to the main thread. */
export type Callback =
  | { name: 'sign'; data: Uint8Array }
  | { name: 'timestamp'; imprint: Uint8Array; hash: DigestName }
  | { name: 'revocation'; cert: Uint8Array; issuer: Uint8Array }
  | { name: 'fetch'; url: string; method?: string; headers?: Record<string, string>; body?: Uint8Array }
  | { name: 'warning'; message: string }
  /** An examine-seal job's examination; the reply is the sealing's SealJobOptions (or an error: refused). */
  | { name: 'examined'; examination: Examination };

export interface FetchReply { status: number; headers: Record<string, string>; body: Uint8Array }

/** Messages on a job's port. */
export type ToMain =
  | { type: 'started' }
  | { type: 'call'; id: number; call: Callback }
  /** A job's resulting document, moved (not copied) to the main thread; the outcome's value then says `moved`. */
  | { type: 'document'; bytes: Uint8Array };
export type ToWorker = { type: 'reply'; id: number; ok: true; value: unknown } | { type: 'reply'; id: number; ok: false; error: SerializedError };

/** An AppError (or any error) as plain data. */
export interface SerializedError { app: boolean; status?: number; type?: string; message: string; details?: Record<string, unknown> }

/** What a job answers: its value, or the error it ended with. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: SerializedError };

/** Stands in an outcome for a document sent separately on the job's port (a `document` message). */
export const MOVED = '[document moved]';
