/**
 * `seal extend FILE.pdf -o OUT.pdf` in a process of its own, on the service's embedded storage (the service
 * stopped, as with `seal audit verify`): a B-T document sealed through HTTP comes out extended to B-LTA and
 * verifies offline; the extension is in the usage register.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter } from '../../src/ca/credit-code.js';
import { loadConfig } from '../../src/config.js';
import { createRequestListener } from '../../src/http/app.js';
import { buildContext } from '../../src/main.js';
import { verifyPdf } from '../../src/verify/index.js';
import { bearer, makeUser } from '../helpers/service.js';
import { basicPdf } from '../pdf/fixtures.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const first17 = '114401000000004' + '00';
const CODE = first17 + creditCodeCheckCharacter(first17);

describe('seal extend on the command line', () => {
  it('extends a B-T document so that it verifies offline, and records it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seal-extend-cli-'));
    // Only what the child will see: embedded storage in `dir`, its development KEK beside it.
    const env: Record<string, string> = { SEAL_DATA_DIR: dir, LOG_LEVEL: 'silent', PATH: process.env.PATH ?? '' };
    let ctx = await buildContext(loadConfig(env), pino({ level: 'silent' }));
    let sealed: Buffer;
    let rootDer: Buffer;
    try {
      const api = () => request(createRequestListener(ctx));
      const muni = (await makeUser(ctx.db, 'municipal-admin')).token;
      const unitId = (await api().post('/v1/units').set(bearer(muni)).send({ name: '广州市丁局', code: CODE }).expect(201)).body.id;
      const admin = (await api().post(`/v1/units/${unitId}/users`).set(bearer(muni)).send({ name: 'admin', role: 'unit-admin' }).expect(201)).body.token;
      const op = (await api().post(`/v1/units/${unitId}/users`).set(bearer(admin)).send({ name: 'op', role: 'operator' }).expect(201)).body;
      const appId = (await api().post('/v1/seal-applications').set(bearer(admin))
        .send({ unitId, template: 'round-official', text: '广州市丁局', physicalSealRef: 'ref', purpose: 'test' }).expect(201)).body.id;
      const sealId = (await api().post(`/v1/seal-applications/${appId}/approve`).set(bearer(muni)).expect(201)).body.sealId;
      await api().post(`/v1/seals/${sealId}/operators`).set(bearer(admin)).send({ userId: op.id }).expect(201);
      sealed = (await api().post(`/v1/seals/${sealId}/sign?x=40&y=60&level=B-T`).set(bearer(op.token)).set('Content-Type', 'application/pdf')
        .buffer(true).parse((res, cb) => { const c: Buffer[] = []; res.on('data', (x: Buffer) => c.push(x)); res.on('end', () => cb(null, Buffer.concat(c))); })
        .send(Buffer.from(await basicPdf({ pages: 1 }))).expect(200)).body as Buffer;
      rootDer = ctx.ca.rootCertificate;
    } finally {
      await ctx.state.close();
      await ctx.db.close();
    }
    const offline = (pdf: Buffer) => verifyPdf(pdf, { trustAnchors: [rootDer] });
    expect((await offline(sealed)).signatures.map((s) => s.reason)).toEqual(['revocation-unknown']);

    await writeFile(join(dir, 'in.pdf'), sealed);
    const r = await run(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'extend', join(dir, 'in.pdf'), '-o', join(dir, 'out.pdf')],
      { cwd: root, env, timeout: 120_000 });
    expect(r.stderr).toMatch(/wrote .*out\.pdf \(DSS gained \d+ certificate\(s\), [1-9]\d* OCSP response\(s\)/);
    const extended = await readFile(join(dir, 'out.pdf'));
    const report = await offline(extended);
    expect(report.signatures.map((s) => `${s.kind}:${s.status}:${s.reason}`)).toEqual(['signature:VALID:ok', 'document-timestamp:VALID:ok']);
    expect(report.signatures[0]!.level).toBe('B-LTA');

    // Usage errors and a document with no signature.
    const usage = await run(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'extend'], { cwd: root, env }).catch((e: { code: number; stderr: string }) => e);
    expect(usage).toMatchObject({ code: 2 });
    await writeFile(join(dir, 'plain.pdf'), await basicPdf({ pages: 1 }));
    const plain = await run(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'extend', join(dir, 'plain.pdf')], { cwd: root, env })
      .catch((e: { code: number; stderr: string }) => e);
    expect(plain).toMatchObject({ code: 2 });
    expect((plain as { stderr: string }).stderr).toMatch(/no-signatures/);

    ctx = await buildContext(loadConfig(env), pino({ level: 'silent' }));
    try {
      const { rows } = await ctx.db.query<{ action: string; details: { added: { ocsps: number } } }>("SELECT action, details FROM audit_log WHERE action = 'document.extended'");
      expect(rows).toHaveLength(1);
      expect(rows[0]!.details.added.ocsps).toBeGreaterThan(0);
    } finally {
      await ctx.state.close();
      await ctx.db.close();
    }
  }, 240_000);
});
