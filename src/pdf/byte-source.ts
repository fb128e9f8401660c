/**
 * A drop-in for pdf-lib's internal ByteStream (which pdf-lib does not export) that reads a window of a
 * larger buffer without copying it: `slice` returns a subarray, and no line/column bookkeeping is kept.
 * PDFObjectParser only calls the methods below, so it can parse one object straight out of a 50 MB file.
 */
export class ByteSource {
  private idx: number;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly length = bytes.length,
  ) {
    this.idx = start;
  }

  moveTo(offset: number): void {
    this.idx = offset;
  }
  next(): number {
    const byte = this.bytes[this.idx++];
    return byte === undefined ? NaN : byte;
  }
  assertNext(expected: number): number {
    if (this.peek() !== expected) {
      throw new Error(`expected byte ${expected} at offset ${this.idx}, found ${this.peek()}`);
    }
    return this.next();
  }
  peek(): number {
    return this.idx < this.length ? (this.bytes[this.idx] as number) : NaN;
  }
  peekAhead(steps: number): number {
    const at = this.idx + steps;
    return at < this.length ? (this.bytes[at] as number) : NaN;
  }
  peekAt(offset: number): number {
    return offset < this.length ? (this.bytes[offset] as number) : NaN;
  }
  done(): boolean {
    return this.idx >= this.length;
  }
  offset(): number {
    return this.idx;
  }
  slice(start: number, end: number): Uint8Array {
    return this.bytes.subarray(start, end);
  }
  position(): { line: number; column: number; offset: number } {
    return { line: 0, column: 0, offset: this.idx };
  }
}
