/**
 * A chain of archive time-stamps (ETSI EN 319 102-1 §5.6): an archive time-stamp whose TSA certificate has
 * expired still counts when a later one, made while it was valid and itself valid at the validation time,
 * covers it. Built with two openssl TSAs of the test PKI: the usual one (certificate until 2035) and a
 * long-lived one the root issued (until 2044).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { addDocumentTimestamp } from '../../src/pdf/doc-timestamp.js';
import { verifyPdf } from '../../src/verify/index.js';
import { issueCert, opensslTimestamper, type TestPki } from '../helpers/openssl-pki.js';
import { basePdf, makeTestPki, seal } from './kit.js';

let pki: TestPki;
let longTsa: TestPki;
let once: Buffer;
beforeAll(async () => {
  pki = await makeTestPki();
  const tsa = await issueCert(pki, { name: `tsa-long-${Date.now()}`, subject: '/C=CN/O=Test Municipal Office/CN=Test Archive TSA', profile: 'tsa', issuer: 'root', notAfter: '20441231000000Z' });
  longTsa = { ...pki, tsa };
  // A seal (B-LT: the DSS after it) and a first archive time-stamp by the TSA whose certificate ends in 2035.
  once = await addDocumentTimestamp(await seal(pki, await basePdf(1), pki.leafP256, { level: 'B-LT' }), opensslTimestamper(pki));
}, 120_000);

const at = (iso: string) => ({ trustAnchors: [pki.root.certDer], now: new Date(iso) });
const statuses = (r: Awaited<ReturnType<typeof verifyPdf>>) => r.signatures.map((s) => `${s.kind}:${s.status}:${s.reason}`);

describe('archive time-stamps at the validation time', () => {
  test('one archive time-stamp: VALID while its TSA certificate is, INDETERMINATE after it expired', async () => {
    expect(statuses(await verifyPdf(once, at('2034-06-01T00:00:00Z')))).toEqual(['signature:VALID:ok', 'document-timestamp:VALID:ok']);
    expect(statuses(await verifyPdf(once, at('2040-06-01T00:00:00Z')))).toEqual([
      'signature:INDETERMINATE:out-of-bounds-no-poe', 'document-timestamp:INDETERMINATE:out-of-bounds-no-poe',
    ]);
  });
  test('renewed by a later archive time-stamp from a longer-lived TSA: the first one and the seal are VALID again', async () => {
    const twice = await addDocumentTimestamp(once, opensslTimestamper(longTsa));
    expect(statuses(await verifyPdf(twice, at('2040-06-01T00:00:00Z')))).toEqual([
      'signature:VALID:ok', 'document-timestamp:VALID:ok', 'document-timestamp:VALID:ok',
    ]);
    // Past the second TSA certificate too, nothing vouches any more.
    expect(statuses(await verifyPdf(twice, at('2044-12-31T12:00:00Z')))).toEqual([
      'signature:INDETERMINATE:out-of-bounds-no-poe', 'document-timestamp:INDETERMINATE:out-of-bounds-no-poe', 'document-timestamp:INDETERMINATE:out-of-bounds-no-poe',
    ]);
  });
});
