/**
 * Rendering speed, for the record (not a test: timings depend on the machine):
 *   npx tsx test/render/bench-render.ts
 */
import { renderSeal } from '../../src/render/index.js';

async function main(): Promise<void> {
  let t = performance.now();
  await renderSeal({ template: 'round-official', text: '预热', dpi: 72 });
  console.log(`first render, including font parse: ${(performance.now() - t).toFixed(0)} ms`);
  for (const dpi of [300, 600, 1200]) {
    const times: number[] = [];
    for (let k = 0; k < 11; k++) {
      t = performance.now();
      await renderSeal({ template: 'round-official', text: '某某市某某区人民政府办公室', bottomText: '公文专用章', dpi });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`42 mm at ${dpi} dpi: median ${times[5]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[10]!.toFixed(1)})`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
