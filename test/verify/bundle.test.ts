/**
 * The offline bundle: built with esbuild into a temp dir, run with plain `node` in a child process with the
 * network cut (a fresh network namespace via `unshare -rn` when the kernel allows it; in every case a
 * preload that throws on any socket, DNS lookup or fetch), on a B-LT document: exit 0.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { makeAttackCorpus, type AttackCorpus } from '../fixtures/make-attacks.js';

const run = promisify(execFile);
let dir: string;
let bundle: string;
let corpus: AttackCorpus;
const canUnshare = spawnSync('unshare', ['-rn', 'true']).status === 0;

const NO_NETWORK = `
const net = require('node:net'); const dns = require('node:dns'); const tls = require('node:tls');
const deny = (what) => () => { throw new Error('network use in offline verifier: ' + what); };
net.Socket.prototype.connect = deny('net.connect'); net.connect = deny('net.connect'); net.createConnection = deny('net.createConnection');
tls.connect = deny('tls.connect'); dns.lookup = deny('dns.lookup'); dns.resolve = deny('dns.resolve');
dns.promises.lookup = deny('dns.promises.lookup'); globalThis.fetch = deny('fetch');
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seal-verify-bundle-'));
  bundle = join(dir, 'seal-verify.mjs');
  await run(process.execPath, ['scripts/build-verifier.mjs', '--outfile', bundle, '--snapshot'], { cwd: process.cwd() });
  corpus = await makeAttackCorpus();
  await writeFile(join(dir, 'root.pem'), corpus.pki.root.certPem);
  await writeFile(join(dir, 'no-network.cjs'), NO_NETWORK);
  await writeFile(join(dir, 'b-lt.pdf'), corpus.goodBLT);
  const tampered = Buffer.from(corpus.goodBLT);
  tampered.write('X', tampered.indexOf('/Producer') + 1, 'latin1');
  await writeFile(join(dir, 'tampered.pdf'), tampered);
}, 240_000);

function offline(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const node = [process.execPath, '--require', join(dir, 'no-network.cjs'), bundle, ...args];
  if (process.env.CI && !canUnshare) throw new Error('unshare -rn is required in CI to cut the network');
  const [cmd, ...rest] = canUnshare ? ['unshare', '-rn', ...node] : node;
  // cwd = the temp dir and a bare environment: nothing from the repository can be resolved.
  const r = spawnSync(cmd!, rest, { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('offline bundle dist/seal-verify.mjs', () => {
  test('the V8 start-up snapshot of it (--snapshot) gives the same verdicts', () => {
    const blob = bundle.replace(/\.mjs$/, '.blob');
    const snap = (args: string[]) => spawnSync(process.execPath, ['--snapshot-blob', blob, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const good = snap(['b-lt.pdf', '--trust', 'root.pem']);
    expect(good.stderr).toBe('');
    expect(good.stdout).toMatch(/b-lt\.pdf: VALID/);
    expect(good.status).toBe(0);
    const bad = snap(['tampered.pdf', '--trust', 'root.pem', '--json']);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).valid).toBe(false);
    expect(snap([]).status).toBe(2); // usage
  });

  test('imported as a module (as `seal verify` does from dist/), it exports verifyCommand and runs nothing', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e',
      `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.stdout.write(typeof m.verifyCommand);`],
    { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('function');
    expect(r.status).toBe(0);
  });

  test('its document worker starts from a V8 code cache beside the file: written by the first run, used as it is by the next, replaced when damaged or made for another file', () => {
    const cache = `${bundle}.v8cache`;
    const verify = (file: string) => offline([file, '--trust', 'root.pem']);
    rmSync(cache, { force: true });
    expect(verify('b-lt.pdf').status).toBe(0);
    const made = readFileSync(cache);
    expect(made.length).toBeGreaterThan(100_000); // the bytecode of what ran, not an empty shell
    expect(verify('b-lt.pdf').status).toBe(0);
    expect(verify('tampered.pdf').status).toBe(1);
    expect(readFileSync(cache).equals(made)).toBe(true); // used, not made again
    // Damaged data would end the process in a V8 fatal error if it were used: it is refused by its hash and replaced.
    const damaged = Buffer.from(made);
    for (let i = 200; i < damaged.length; i += 97) damaged[i]! ^= 0xff;
    writeFileSync(cache, damaged);
    const r = verify('b-lt.pdf');
    expect(r.status, r.stderr).toBe(0);
    const replaced = readFileSync(cache);
    expect(replaced.equals(damaged)).toBe(false);
    expect(replaced.subarray(0, 32).equals(made.subarray(0, 32))).toBe(true);
    // A cache made for another file (the verifier rebuilt: another modification time) is not used, and replaced.
    const later = new Date(Date.now() + 10_000);
    utimesSync(bundle, later, later);
    expect(verify('b-lt.pdf').status).toBe(0);
    expect(readFileSync(cache).subarray(0, 32).equals(made.subarray(0, 32))).toBe(false);
    expect(verify('tampered.pdf').status).toBe(1);
  });

  test('a code cache someone else could have written (group- or world-writable, another owner) is not used, and is replaced', () => {
    const cache = `${bundle}.v8cache`;
    const verify = (file: string) => offline([file, '--trust', 'root.pem']);
    expect(verify('b-lt.pdf').status).toBe(0);
    chmodSync(cache, 0o666);
    expect(verify('b-lt.pdf').status).toBe(0);
    expect(statSync(cache).mode & 0o022).toBe(0); // written again by this user, not taken as it was
    if (process.getuid?.() === 0) {
      chownSync(cache, 4242, 4242);
      expect(verify('tampered.pdf').status).toBe(1);
      expect(statSync(cache).uid).toBe(0);
    }
  });

  test('verifies a B-LT document with the network cut: exit 0', () => {
    const r = offline(['b-lt.pdf', '--trust', 'root.pem']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/b-lt\.pdf: VALID/);
    expect(r.stdout).toMatch(/PAdES B-LT/);
    expect(r.status).toBe(0);
  });
  test('--json prints the report; a tampered document exits 1', () => {
    const r = offline(['tampered.pdf', '--trust', 'root.pem', '--json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.valid).toBe(false);
    expect(report.signatures[0].reason).toBe('digest-mismatch');
  });
  test('usage errors exit 2', () => {
    expect(offline(['b-lt.pdf']).status).toBe(2);
    expect(offline(['b-lt.pdf', '--trust', 'missing.pem']).status).toBe(2);
  });
});
