/**
 * examineForSealing's preflight finds the pages pdf.js will read by descending the page tree (findPage), and counts
 * the pages only for a search from the end: every page pdf.js reads is still checked for decompression bombs first.
 */
import { describe, expect, it } from 'vitest';
import { examineForSealing } from '../../src/placement/index.js';
import { classicPdf, flateBomb } from '../hostile/files.js';

const bombStream = () => {
  const bomb = flateBomb();
  return Buffer.concat([Buffer.from(`<< /Filter [/FlateDecode /FlateDecode] /Length ${bomb.length} >>\nstream\n`, 'latin1'), bomb, Buffer.from('\nendstream', 'latin1')]);
};

/** Three pages under two intermediate nodes (2 → [4 → pages 6, 7], [5 → page 8]); `bombOn`'s content stream is a flate bomb. */
function threePages(bombOn: 1 | 2 | 3): Buffer {
  const page = (n: number, parent: number) => `<< /Type /Page /Parent ${parent} 0 R /MediaBox [0 0 595 842]${n === bombOn ? ' /Contents 3 0 R' : ''} >>`;
  return classicPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [4 0 R 5 0 R] /Count 3 >>',
    bombStream(),
    '<< /Type /Pages /Parent 2 0 R /Kids [6 0 R 7 0 R] /Count 2 >>',
    '<< /Type /Pages /Parent 2 0 R /Kids [8 0 R] /Count 1 >>',
    page(1, 4),
    page(2, 4),
    page(3, 5),
  ]);
}

const refused = { status: 422, type: 'document-too-complex', details: { limit: 'inflate-per-stream' } };
const auto = (page?: number) => ({ auto: { names: ['广州市测试局'], seal: { widthMm: 42, heightMm: 42 }, ...(page ? { page } : {}) } });

describe('examineForSealing: the pages pdf.js reads are preflighted, found through the page tree', () => {
  it('a bomb on page 1 is refused for a sealing at a given position', async () => {
    await expect(examineForSealing(threePages(1), {})).rejects.toMatchObject(refused);
  }, 60_000);

  it('a bomb on a page of the second subtree is refused when placement=auto looks on it', async () => {
    await expect(examineForSealing(threePages(3), auto(3))).rejects.toMatchObject(refused);
  }, 60_000);

  it('a bomb on the last page is refused when placement=auto searches from the end (the pages counted)', async () => {
    await expect(examineForSealing(threePages(3), auto())).rejects.toMatchObject(refused);
  }, 60_000);

  it('a page nobody reads is not decoded: a sealing on page 1 at a position passes a bomb on page 3', async () => {
    await expect(examineForSealing(threePages(3), {})).resolves.toMatchObject({ classification: null });
  }, 60_000);
});
