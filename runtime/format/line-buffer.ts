const NEWLINE = 0x0a;
/** First chunk of a buffer: small, so the many partitions of a short interval cost little. */
const MIN_CHUNK_BYTES = 16 * 1024;
/** Chunks grow with the content up to this size, which bounds the unused tail of the last chunk. */
const MAX_CHUNK_BYTES = 256 * 1024;

/**
 * JSONL lines appended into a few large chunks instead of one `Buffer` per line, or held as views of the
 * buffers they were delivered in ({@link LineBuffer.appendLines}): far less garbage and per-object overhead
 * on the hot path; an object is uploaded from the chunks as they are ({@link LineBuffer.chunkViews}).
 */
export class LineBuffer {
  private readonly chunks: Buffer[] = [];
  private current: Buffer | undefined;
  private used = 0;
  private total = 0;
  private count = 0;

  /** Bytes of the lines held (newlines included). */
  get bytes(): number {
    return this.total;
  }

  /** Number of lines held. */
  get lines(): number {
    return this.count;
  }

  /** Appends `content` and a newline. */
  appendLine(content: Uint8Array): void {
    const needed = content.length + 1;
    if (this.current === undefined || this.current.length - this.used < needed) this.grow(needed);
    const chunk = this.current!;
    chunk.set(content, this.used);
    this.used += content.length;
    chunk[this.used++] = NEWLINE;
    this.total += needed;
    this.count++;
  }

  /**
   * Adds `lines` whole lines that lie, newlines included, back to back in `source[start, end)` (a bulk
   * delivery's values) without copying them: the buffer keeps a view of `source`, which must not change
   * afterwards. Lines appended after it still go into the rest of the current chunk, after the view.
   */
  appendLines(source: Buffer, start: number, end: number, lines: number): void {
    if (end <= start) return;
    if (this.current !== undefined && this.used > 0) {
      this.chunks.push(this.current.subarray(0, this.used));
      this.current = this.current.subarray(this.used);
      this.used = 0;
    }
    this.chunks.push(source.subarray(start, end));
    this.total += end - start;
    this.count += lines;
  }

  /** Copies every line, in order, into `target` at `offset`; returns the offset after them. */
  copyTo(target: Buffer, offset: number): number {
    let at = offset;
    for (const chunk of this.chunks) {
      target.set(chunk, at);
      at += chunk.length;
    }
    if (this.current !== undefined) {
      target.set(this.current.subarray(0, this.used), at);
      at += this.used;
    }
    return at;
  }

  /** The lines as views of the chunks, in order (no copy). */
  chunkViews(): Buffer[] {
    const views = [...this.chunks];
    if (this.current !== undefined && this.used > 0) views.push(this.current.subarray(0, this.used));
    return views;
  }

  /** The lines as one buffer (a copy). */
  toBuffer(): Buffer {
    const body = Buffer.allocUnsafe(this.total);
    this.copyTo(body, 0);
    return body;
  }

  private grow(needed: number): void {
    if (this.current !== undefined && this.used > 0) this.chunks.push(this.current.subarray(0, this.used));
    const size = Math.max(needed, Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, this.total)));
    this.current = Buffer.allocUnsafeSlow(size);
    this.used = 0;
  }
}
