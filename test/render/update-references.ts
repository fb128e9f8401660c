/**
 * Regenerates the reference images after a deliberate change to templates or rendering:
 *   npx tsx test/render/update-references.ts
 * Also refreshes the README examples in seal-templates/examples/. Look at every image before
 * committing it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSeal } from '../../src/render/index.js';
import { fromRoot } from '../../src/paths.js';
import { referenceCases } from './cases.js';

async function main(): Promise<void> {
  const refDir = join(dirname(fileURLToPath(import.meta.url)), 'reference');
  const exampleDir = fromRoot('seal-templates', 'examples');
  mkdirSync(refDir, { recursive: true });
  mkdirSync(exampleDir, { recursive: true });
  for (const c of referenceCases) {
    const seal = await renderSeal(c.input);
    writeFileSync(join(refDir, c.file), seal.png);
    writeFileSync(join(exampleDir, c.file), seal.png);
    console.log(`${c.file}: ${seal.width}x${seal.height} px, ${seal.png.length} bytes, hash ${seal.imageHash.toString('hex')}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
