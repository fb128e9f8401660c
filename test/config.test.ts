import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has laptop defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.publicUrl).toBe('http://127.0.0.1:8080');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.maxBodyBytes).toBe(50 * 1024 * 1024);
    expect(c.defaultAlgorithm).toBe('ECDSA-P256');
    expect(loadConfig({ SEAL_DEFAULT_ALGORITHM: 'SM2' }).defaultAlgorithm).toBe('SM2');
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['SEAL_KEK', Buffer.alloc(16).toString('base64')],
    ['SEAL_KEK', 'not base64 !!'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://x'],
    ['SEAL_PUBLIC_URL', 'not a url'],
    ['SEAL_BOOTSTRAP_TOKEN', 'short'],
    ['SEAL_DEFAULT_ALGORITHM', 'RSA'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      expect((e as ConfigError).variable).toBe(name);
      expect((e as Error).message.startsWith(`${name}: `)).toBe(true);
    }
  });

  it('accepts a good KEK and derives the public URL from PORT', () => {
    const c = loadConfig({ SEAL_KEK: Buffer.alloc(32, 7).toString('base64'), PORT: '9000' });
    expect(c.kek).toEqual(Buffer.alloc(32, 7));
    expect(c.publicUrl).toBe('http://127.0.0.1:9000');
  });

  it('stops the process with one clear line naming the variable', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      env: { ...process.env, PORT: 'abc', DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^seal: invalid setting PORT: /);
  });
});
