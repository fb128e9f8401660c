import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root folder (where package.json is), found from this file's place so it is the
 * same whether the code runs from src/ (tests, tsx) or from dist/ (npm start, Docker).
 * Data that ships with the package (openapi.yaml, ca/, seal-templates/, migrations) is read from here.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export const packageRoot = findRoot();
export const fromRoot = (...parts: string[]): string => join(packageRoot, ...parts);
