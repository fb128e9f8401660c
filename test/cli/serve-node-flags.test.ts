/**
 * The service runs with a larger initial old generation (`node --initial-old-space-size=256`): without it, after a
 * quiet minute V8 had shrunk the heaps and every sealing of a large document paid full collections of the HTTP
 * thread's heap for a long while (about 200 ms of CPU a sealing of 8 MB instead of about 80; bench/README.md). Node
 * does not take the flag from NODE_OPTIONS, so `npm start`, the container image and the bench's service must each pass
 * it: the same flags in all three, and Node accepts them.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { serviceNodeFlags } from '../../bench/service.js';

const root = join(import.meta.dirname, '..', '..');

describe('the Node flags the service runs with', () => {
  test('npm start, the Dockerfile and the bench pass the same ones, and Node accepts them', () => {
    const flags = serviceNodeFlags(); // from package.json's start script
    expect(flags).toContain('--initial-old-space-size=256');
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
    expect(cmd, 'the Dockerfile has a CMD in exec form').not.toBeNull();
    expect(JSON.parse(cmd![1]!)).toEqual(['node', ...flags, 'dist/cli/main.js', 'serve']);
    const r = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write(String(require("node:v8").getHeapStatistics().heap_size_limit > 0))'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('true');
  });
});
