import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { SealImageRenderer, SealMaker } from './ports.js';

/** What the seal register's services are built from (src/main.ts wires the real CA and renderer). */
export interface RegisterDeps {
  db: Db;
  clock: Clock;
  maker: SealMaker;
  renderer: SealImageRenderer;
}
