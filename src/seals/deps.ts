import type { Clock } from '../clock.js';
import type { SealKeyAlgorithm } from '../algorithms/table.js';
import type { Db } from '../store/db.js';
import type { SealImageRenderer, SealMaker } from './ports.js';

/** What the seal register's services are built from (src/main.ts wires the real CA and renderer). */
export interface RegisterDeps {
  db: Db;
  clock: Clock;
  maker: SealMaker;
  renderer: SealImageRenderer;
  /** SEAL_DEFAULT_ALGORITHM: a seal's key algorithm when its application names none (ECDSA-P256 when absent). */
  defaultAlgorithm?: SealKeyAlgorithm;
}
