import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTimestampRequest, httpTimestamper, parseTimestampToken, tokenFromTimestampReply,
} from '../../src/pdf/cms.js';
import { makeTestPki, opensslTsReply, runTool, TEST_TSA_POLICY, type TestPki } from '../helpers/openssl-pki.js';

let pki: TestPki;
let work: string;
beforeAll(async () => {
  pki = await makeTestPki();
  work = await mkdtemp(join(tmpdir(), 'pdf-cms-tsp-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** A fetch that hands the request body to `openssl ts -reply` (the test TSA), recording what it was sent. */
function opensslFetch(seen: { body?: Buffer; headers?: Headers }[] = [], tamper?: (reply: Buffer) => Promise<Buffer>): typeof fetch {
  return (async (_url: string | URL | Request, init?: RequestInit) => {
    const body = Buffer.from(init!.body as Uint8Array);
    seen.push({ body, headers: new Headers(init!.headers) });
    let reply = await opensslTsReply(pki, body);
    if (tamper) reply = await tamper(reply);
    return new Response(new Uint8Array(reply), { status: 200, headers: { 'content-type': 'application/timestamp-reply' } });
  }) as typeof fetch;
}

describe('RFC 3161 client', () => {
  it('buildTimestampRequest is a request openssl reads: digest, nonce, certReq', async () => {
    const digest = createHash('sha384').update('doc').digest();
    const req = buildTimestampRequest(digest, 'SHA-384', 0x1234567890abcdefn);
    const p = join(work, 'req.tsq');
    await writeFile(p, req);
    const r = await runTool('openssl', ['ts', '-query', '-in', p, '-text']);
    expect(r.code, r.stderr).toBe(0);
    const text = r.stdout.toString();
    expect(text).toContain('Hash Algorithm: sha384');
    const dumped = [...text.matchAll(/^\s*[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]){16})/gm)].map((m) => m[1]!.replace(/[ -]/g, '')).join('');
    expect(dumped).toBe(digest.toString('hex')); // the message imprint, from openssl's hex dump
    expect(text).toContain('Nonce: 0x1234567890ABCDEF');
    expect(text).toContain('Certificate required: yes');
  });

  it('tokenFromTimestampReply returns the token of a granted reply, byte for byte', async () => {
    const digest = createHash('sha256').update('abc').digest();
    const reply = await opensslTsReply(pki, buildTimestampRequest(digest, 'SHA-256', 42n));
    const token = tokenFromTimestampReply(reply);
    expect(reply.subarray(reply.length - token.length).equals(token)).toBe(true);
    const info = parseTimestampToken(token);
    expect(info.imprint.equals(digest)).toBe(true);
    expect(info.digest).toBe('SHA-256');
    expect(info.nonce).toBe(42n);
    expect(info.policy).toBe(TEST_TSA_POLICY);
    expect(Math.abs(info.genTime.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    // and openssl agrees the token verifies for this digest
    const tp = join(work, 'tok.der');
    await writeFile(tp, token);
    const v = await runTool('openssl', ['ts', '-verify', '-token_in', '-in', tp, '-digest', digest.toString('hex'),
      '-CAfile', pki.rootPath, '-untrusted', pki.intermediate.certPath]);
    expect(v.code, v.stderr).toBe(0);
  });

  it('tokenFromTimestampReply throws tsa-refused with the failure info of a rejection', async () => {
    // openssl makes a SHA-1 query; the test TSA only accepts SHA-2, so it answers rejection/badAlg.
    const q = join(work, 'sha1.tsq');
    const mk = await runTool('openssl', ['ts', '-query', '-digest', 'aa'.repeat(20), '-sha1', '-out', q]);
    expect(mk.code, mk.stderr).toBe(0);
    const reply = await opensslTsReply(pki, await readFile(q));
    expect(() => tokenFromTimestampReply(reply)).toThrow(expect.objectContaining({ type: 'tsa-refused', status: 502 }));
    try {
      tokenFromTimestampReply(reply);
    } catch (e) {
      expect((e as { details: { failInfo: string[] } }).details.failInfo).toContain('badAlg');
    }
  });

  it('tokenFromTimestampReply refuses garbage', () => {
    expect(() => tokenFromTimestampReply(Buffer.from('<html>not a TSA</html>'))).toThrow(expect.objectContaining({ type: 'tsa-bad-reply' }));
    expect(() => tokenFromTimestampReply(Buffer.from([0x30, 0x03, 0x30, 0x01]))).toThrow(expect.objectContaining({ type: 'tsa-bad-reply' }));
  });

  it('httpTimestamper posts a timestamp-query with a fresh nonce and returns a checked token', async () => {
    const seen: { body?: Buffer; headers?: Headers }[] = [];
    const ts = httpTimestamper('http://tsa.test/tsa', opensslFetch(seen), { headers: { authorization: 'Bearer t' } });
    const imprint = createHash('sha256').update(randomBytes(10)).digest();
    const token = await ts(imprint, 'SHA-256');
    expect(parseTimestampToken(token).imprint.equals(imprint)).toBe(true);
    await ts(imprint, 'SHA-256');
    expect(seen).toHaveLength(2);
    expect(seen[0]!.headers!.get('content-type')).toBe('application/timestamp-query');
    expect(seen[0]!.headers!.get('authorization')).toBe('Bearer t');
    expect(seen[0]!.body!.equals(seen[1]!.body!)).toBe(false); // nonces differ
  });

  it('httpTimestamper works over real HTTP (node:http server in front of openssl ts -reply)', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        if (req.headers['content-type'] !== 'application/timestamp-query') {
          res.writeHead(415).end();
          return;
        }
        const reply = await opensslTsReply(pki, Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(reply);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const imprint = createHash('sha512').update('over http').digest();
      const token = await httpTimestamper(`http://127.0.0.1:${port}/tsa`)(imprint, 'SHA-512');
      const info = parseTimestampToken(token);
      expect(info.digest).toBe('SHA-512');
      expect(info.imprint.equals(imprint)).toBe(true);
      expect(info.nonce).toBeDefined();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a TSA that answers granted with an unreadable token is a 502', async () => {
    const junk = Buffer.from([0x30, 0x0a, 0x30, 0x03, 0x02, 0x01, 0x00, 0x30, 0x03, 0x06, 0x01, 0x00]); // granted, token = SEQ{OID}
    const ts = httpTimestamper('http://tsa.test/', (async () => new Response(new Uint8Array(junk))) as unknown as typeof fetch);
    await expect(ts(Buffer.alloc(32), 'SHA-256')).rejects.toMatchObject({ type: 'tsa-bad-token', status: 502 });
  });

  it('httpTimestamper refuses a token that does not answer its request', async () => {
    const other = buildTimestampRequest(createHash('sha256').update('other').digest(), 'SHA-256', 1n);
    const ts = httpTimestamper('http://tsa.test/tsa', opensslFetch([], async () => opensslTsReply(pki, other)));
    await expect(ts(createHash('sha256').update('mine').digest(), 'SHA-256')).rejects.toMatchObject({ type: 'tsa-bad-token' });
  });

  it('httpTimestamper reports HTTP errors and unreachable TSAs as tsa-unavailable', async () => {
    const http500 = (async () => new Response('down', { status: 500 })) as unknown as typeof fetch;
    await expect(httpTimestamper('http://tsa.test/', http500)(Buffer.alloc(32), 'SHA-256')).rejects.toMatchObject({ type: 'tsa-unavailable' });
    const refused = (async () => { throw new TypeError('fetch failed'); }) as unknown as typeof fetch;
    await expect(httpTimestamper('http://tsa.test/', refused)(Buffer.alloc(32), 'SHA-256')).rejects.toMatchObject({ type: 'tsa-unavailable' });
  });

  it('buildTimestampRequest refuses unknown digests and wrong lengths', () => {
    expect(() => buildTimestampRequest(Buffer.alloc(20), 'SHA-1', 1n)).toThrow(expect.objectContaining({ type: 'unsupported-digest' }));
    expect(() => buildTimestampRequest(Buffer.alloc(20), 'SHA-256', 1n)).toThrow(expect.objectContaining({ type: 'digest-length-mismatch' }));
  });
});
