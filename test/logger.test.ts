/**
 * Logs: readable lines on a terminal (pino-pretty), JSON lines otherwise; secrets censored in both. The
 * terminal case runs in a real pseudo-terminal (util-linux `script`), so the detection itself is tested.
 */
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

function capture(): { stream: Writable & { write: Writable['write'] }; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

const SCRIPT = `import { createLogger } from './src/logger.ts'; createLogger('info').info({ token: 'seal_secret-value', unitId: 'u1' }, 'e-seal service listening');`;

describe('createLogger', () => {
  it('JSON lines when not pretty, with the token censored', () => {
    const out = capture();
    createLogger('info', { pretty: false, destination: out.stream }).info({ token: 'seal_secret-value', unitId: 'u1' }, 'hello');
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, msg: 'hello', unitId: 'u1', token: '[redacted]' });
  });

  it('pretty lines for a person, with the token censored', () => {
    const out = capture();
    createLogger('info', { pretty: true, destination: out.stream }).info({ token: 'seal_secret-value', unitId: 'u1' }, 'hello');
    const text = out.text();
    expect(text).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: hello\n/);
    expect(text).toContain('unitId: "u1"');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('seal_secret-value');
    expect(() => JSON.parse(text)).toThrow();
  });

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('on a real terminal the default is pretty; through a pipe it is JSON', () => {
    const cmd = `${JSON.stringify(process.execPath)} --import tsx --input-type=module -e ${JSON.stringify(SCRIPT).replace(/\$/g, '\\$')}`;
    const tty = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    expect(tty.status, tty.stderr).toBe(0);
    expect(tty.stdout).toMatch(/INFO.*e-seal service listening/);
    expect(tty.stdout).not.toContain('"level"');
    expect(tty.stdout).not.toContain('seal_secret-value');
    const pipe = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(pipe.stdout.trim())).toMatchObject({ level: 30, msg: 'e-seal service listening', token: '[redacted]' });
  }, 120_000);
});
