import { describe, expect, it } from 'vitest';
import type { SealingDeps } from '../../src/seals/sealing.js';
import { timestamperOf } from '../../src/seals/sealing.js';
import { timestampTokenSize } from '../../src/pdf/timestamp-size.js';

type Deps = Pick<SealingDeps, 'ca' | 'config'>;

/** A CA whose TSA counts the tokens it makes. */
function countingCa(): { deps: (tsaUrl?: string) => Deps; tokens: () => number } {
  let n = 0;
  const ca = { timestamp: async () => (n++, Buffer.alloc(1200, 1)) } as unknown as Deps['ca'];
  return { deps: (tsaUrl) => ({ ca, config: { tsaUrl } as Deps['config'] }), tokens: () => n };
}

describe('the service timestamper', () => {
  it('is the same function for every sealing of one service, so the trial token that sizes placeholders is made once', async () => {
    const { deps, tokens } = countingCa();
    const first = timestamperOf(deps());
    expect(timestamperOf(deps())).toBe(first);
    for (let i = 0; i < 5; i++) await timestampTokenSize(timestamperOf(deps()), 'SHA-256');
    expect(tokens()).toBe(1);
  });

  it('differs per CA and per TSA address', () => {
    const a = countingCa();
    const b = countingCa();
    expect(timestamperOf(a.deps())).not.toBe(timestamperOf(b.deps()));
    expect(timestamperOf(a.deps('http://tsa.example/'))).not.toBe(timestamperOf(a.deps()));
    expect(timestamperOf(a.deps('http://tsa.example/'))).toBe(timestamperOf(a.deps('http://tsa.example/')));
  });
});
