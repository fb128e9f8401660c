/** Each rule on its own: given the two revisions, which objects it clears (and which it leaves to others). */
import { PDFDict, PDFRawStream, PDFRef } from 'pdf-lib';
import { beforeAll, describe, expect, test } from 'vitest';
import { readPdf } from '../../src/pdf/reader.js';
import { analyseRevision, revisionPair } from '../../src/verify/modifications.js';
import { dss } from '../../src/verify/rules/dss.js';
import { documentInfo } from '../../src/verify/rules/metadata.js';
import { orphans, unchangedRewrites } from '../../src/verify/rules/structure.js';
import { N, update } from './crafted.js';
import { basePdf, makeTestPki, seal, type TestPki } from './kit.js';

let pki: TestPki;
let signed: Buffer;
beforeAll(async () => {
  pki = await makeTestPki();
  signed = await seal(pki, await basePdf(1), pki.leafP256, { level: 'B-B' });
}, 60_000);

const pairOf = (pdf: Buffer) => {
  const f = readPdf(pdf);
  return revisionPair(f, f.revisions.length - 1);
};
const cleared = (rule: { clears: (o: never, u: never) => Iterable<{ tag: string }> }, pdf: Buffer) => {
  const { old, update: u } = pairOf(pdf);
  return [...rule.clears(old as never, u as never)].map((c) => c.tag).sort();
};

describe('rules one at a time', () => {
  test('dss clears a well-formed DSS and what it holds; a DSS with a key PAdES does not define clears nothing', () => {
    let tags: string[] = [];
    const good = update(signed, (u, f) => {
      const cert = u.newRef();
      u.set(cert, PDFRawStream.of(f.context.obj({}) as PDFDict, pki.leafP256.certDer));
      const d = u.newRef();
      u.set(d, f.context.obj({ Type: 'DSS', Certs: [cert] }));
      const cat = f.catalog().clone(f.context);
      cat.set(N('DSS'), d);
      u.set(f.catalogRef, cat);
      tags = [cert.tag, d.tag].sort();
    });
    expect(cleared(dss, good)).toEqual(tags);
    const odd = update(signed, (u, f) => {
      const d = u.newRef();
      u.set(d, f.context.obj({ Type: 'DSS', OpenAction: f.catalogRef }));
      const cat = f.catalog().clone(f.context);
      cat.set(N('DSS'), d);
      u.set(f.catalogRef, cat);
    });
    expect(cleared(dss, odd)).toEqual([]);
    // The catalog itself is not the DSS rule's business.
    expect(cleared(dss, good)).not.toContain(readPdf(good).catalogRef.tag);
  });

  test('orphans clears only new objects nothing reaches', () => {
    let orphan = '';
    const pdf = update(signed, (u, f) => {
      const o = u.newRef();
      u.set(o, f.context.obj({ Note: 'nobody points here' }));
      orphan = o.tag;
      const used = u.newRef();
      u.set(used, f.context.obj({ Title: 'used' }));
      const info = (f.getObject(f.trailer.get(N('Info')) as PDFRef) as PDFDict).clone(f.context);
      info.set(N('Extra'), used);
      u.set(f.trailer.get(N('Info')) as PDFRef, info);
    });
    expect(cleared(orphans, pdf)).toEqual([orphan]);
    expect(cleared(documentInfo, pdf)).toHaveLength(2); // the /Info dict and the object under it
  });

  test('unchanged-rewritten clears an object written again with the same meaning, not one with another', () => {
    const infoRef = (pdf: Buffer) => readPdf(pdf).trailer.get(N('Info')) as PDFRef;
    const same = update(signed, (u, f) => u.set(infoRef(signed), (f.getObject(infoRef(signed)) as PDFDict).clone(f.context)));
    expect(analyseRevision(readPdf(same), 2).entries).toEqual([]); // byte-identical: not even a change
    const other = update(signed, (u, f) => {
      const info = (f.getObject(infoRef(signed)) as PDFDict).clone(f.context);
      info.set(N('Title'), f.context.obj('changed'));
      u.set(infoRef(signed), info);
    });
    expect(cleared(unchangedRewrites, other)).toEqual([]);
    expect(cleared(documentInfo, other)).toEqual([infoRef(signed).tag]);
  });
});
