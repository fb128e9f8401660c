import { createHash } from 'node:crypto';
import http from 'node:http';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { documentBody } from '../../src/http/document-body.js';
import { problemHandler } from '../../src/http/problem.js';
import { documentBuffer, DOCUMENT_RESERVE } from '../../src/pdf/incremental-writer.js';
import { sha256Of } from '../../src/pdf/received-digest.js';
import { sealPdf } from '../../src/pdf/seal.js';
import { basicPdf } from '../pdf/fixtures.js';
import { makeTestPki, signerFor } from '../helpers/openssl-pki.js';
import { readPdf } from '../../src/pdf/reader.js';

function app(limit: number) {
  const a = express();
  a.use(documentBody(limit));
  a.post('/doc', (req, res) => {
    const body = req.body as Buffer;
    res.json({ length: body.length, spare: body.buffer.byteLength - body.byteOffset - body.length, text: body.toString('latin1') });
  });
  a.use(problemHandler);
  return a;
}

describe('PDF request bodies', () => {
  it('are read into one buffer with room to seal in place', async () => {
    const res = await request(app(1000)).post('/doc').set('Content-Type', 'application/pdf').send(Buffer.from('%PDF-1.7 hello')).expect(200);
    expect(res.body).toMatchObject({ length: 14, spare: DOCUMENT_RESERVE, text: '%PDF-1.7 hello' });
  });

  it('are 413 over the limit, declared or streamed', async () => {
    const big = Buffer.alloc(2000, 0x41);
    const declared = await request(app(1000)).post('/doc').set('Content-Type', 'application/pdf').send(big).expect(413);
    expect(declared.body.type).toBe('urn:e-seal:problem:body-too-large');
    // chunked, no Content-Length: refused once the limit is passed
    const server = app(1000).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/doc', method: 'POST', headers: { 'Content-Type': 'application/pdf' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write(big.subarray(0, 600));
      setTimeout(() => req.end(big.subarray(600)), 20);
    });
    server.close();
    expect(status).toBe(413);
  });

  it('seal in place without touching the received bytes, and a second seal of the same input copies', async () => {
    const original = Buffer.from(await basicPdf());
    const input = documentBuffer(original.length, DOCUMENT_RESERVE);
    original.copy(input);
    const pki = await makeTestPki();
    const opts = {
      page: 1,
      xMm: 50,
      yMm: 50,
      appearance: { rgba: Buffer.alloc(4 * 20 * 20, 0xff), width: 20, height: 20, widthMm: 20, heightMm: 20 },
      signer: signerFor(pki.leafP256),
      level: 'B-B' as const,
      signingTime: new Date('2026-11-25T08:00:00Z'),
    };
    const first = await sealPdf(input, opts);
    expect(first.buffer).toBe(input.buffer); // appended in place
    expect(input.equals(original)).toBe(true);
    const second = await sealPdf(input, opts);
    expect(second.buffer).not.toBe(input.buffer); // the room is taken: copied, first stays intact
    expect(first.subarray(0, original.length).equals(original)).toBe(true);
    expect(readPdf(first).revisions.length).toBe(readPdf(original).revisions.length + 1);
    expect(readPdf(second).revisions.length).toBe(readPdf(original).revisions.length + 1);
  });
});

describe('the SHA-256 of a PDF body, taken as it arrives (for the register of a sealing)', () => {
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  function digestApp() {
    const a = express();
    a.use(documentBody(1 << 20));
    a.post('/doc', (req, res) => {
      const body = req.body as Buffer;
      const first = sha256Of(body).digest('hex');
      // handed out once: a second call hashes the bytes afresh, and agrees
      res.json({ first, second: sha256Of(body).digest('hex'), expected: sha(body) });
    });
    a.use(problemHandler);
    return a;
  }

  it('with a Content-Length: the digest is the bytes\' own', async () => {
    const doc = Buffer.from('%PDF-1.7 ' + 'x'.repeat(200_000));
    const res = await request(digestApp()).post('/doc').set('Content-Type', 'application/pdf').send(doc).expect(200);
    expect(res.body.first).toBe(sha(doc));
    expect(res.body.second).toBe(sha(doc));
  });

  it('chunked (no Content-Length): the digest is the joined bytes\' own', async () => {
    const doc = Buffer.from('%PDF-1.7 ' + 'y'.repeat(100_000));
    const server = digestApp().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/doc', method: 'POST', headers: { 'Content-Type': 'application/pdf' } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.write(doc.subarray(0, 30_000));
      setTimeout(() => req.end(doc.subarray(30_000)), 20);
    });
    server.close();
    expect(JSON.parse(body)).toEqual({ first: sha(doc), second: sha(doc), expected: sha(doc) });
  });

  it('a buffer that was not received is hashed when asked', () => {
    const doc = Buffer.from('%PDF-1.7 not received');
    expect(sha256Of(doc).digest('hex')).toBe(sha(doc));
  });
});
