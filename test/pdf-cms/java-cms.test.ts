/** The JDK's CMS code (sun.security.pkcs, used for signed JARs) as a third judge of our CMS, after OpenSSL and NSS. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPadesCms } from '../../src/pdf/cms.js';
import { makeTestPki, opensslTimestamper, runTool, signerFor, type TestPki } from '../helpers/openssl-pki.js';
import { haveJudges } from '../helpers/judges.js';

let pki: TestPki;
let work: string;
let hasJava = true;
beforeAll(async () => {
  pki = await makeTestPki();
  work = await mkdtemp(join(tmpdir(), 'pdf-cms-java-'));
  hasJava = haveJudges('java'); // noted for the run's summary when missing; CI must have every judge
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('the JDK verifies our CMS', () => {
  it('P-256 and RSA signers, with and without a signature time-stamp', async (ctx) => {
    if (!hasJava) ctx.skip(); // only outside CI: a JDK is not one of the three required judges
    const content = randomBytes(4096);
    const contentPath = join(work, 'content.bin');
    await writeFile(contentPath, content);
    const digest = createHash('sha256').update(content).digest();
    const files: string[] = [];
    for (const cert of [pki.leafP256, pki.leafRsa]) {
      for (const stamped of [false, true]) {
        const cms = await buildPadesCms(digest, signerFor(cert), stamped ? opensslTimestamper(pki) : undefined);
        const p = join(work, `${cert.name}-${stamped}.der`);
        await writeFile(p, cms);
        files.push(p);
      }
    }
    const source = new URL('./java/VerifyCms.java', import.meta.url).pathname;
    const r = await runTool('java', ['--add-exports', 'java.base/sun.security.pkcs=ALL-UNNAMED', source, contentPath, ...files]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString().trim().split('\n')).toEqual([
      'VERIFIED CN=Test Unit One Official Seal, O=Test Unit One, C=CN timestamp=false',
      'VERIFIED CN=Test Unit One Official Seal, O=Test Unit One, C=CN timestamp=true',
      'VERIFIED CN=Test Unit Two Seal RSA, O=Test Unit Two, C=CN timestamp=false',
      'VERIFIED CN=Test Unit Two Seal RSA, O=Test Unit Two, C=CN timestamp=true',
    ]);
    // and it is a real check: other content fails
    content[0]! ^= 1;
    await writeFile(contentPath, content);
    const bad = await runTool('java', ['--add-exports', 'java.base/sun.security.pkcs=ALL-UNNAMED', source, contentPath, files[0]!]);
    expect(bad.stdout.toString()).toMatch(/^FAILED/);
  });
});
