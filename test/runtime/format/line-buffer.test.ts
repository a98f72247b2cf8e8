import { LineBuffer } from '../../../runtime/format/line-buffer';

describe('LineBuffer', () => {
  it('holds appended lines in order, each with a newline, and counts lines and bytes', () => {
    const lines = new LineBuffer();
    lines.appendLine(Buffer.from('{"a":1}'));
    lines.appendLine(Buffer.from('{"b":2}'));
    expect(lines.toBuffer().toString()).toBe('{"a":1}\n{"b":2}\n');
    expect(lines.lines).toBe(2);
    expect(lines.bytes).toBe(16);
  });

  it('keeps every byte when lines span many chunks, including lines larger than a chunk', () => {
    const lines = new LineBuffer();
    const expected: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const line = Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(i % 7 === 0 ? 300_000 : i % 500) }));
      lines.appendLine(line);
      expected.push(line, Buffer.from('\n'));
    }
    const all = Buffer.concat(expected);
    expect(lines.bytes).toBe(all.length);
    expect(lines.toBuffer().equals(all)).toBe(true);
  });

  it('is empty until a line is appended', () => {
    const lines = new LineBuffer();
    expect(lines.lines).toBe(0);
    expect(lines.toBuffer().length).toBe(0);
  });
});

describe('LineBuffer.chunkViews', () => {
  it('gives the lines as views of its chunks, in order, without the unused tail', () => {
    const lines = new LineBuffer();
    const expected: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const line = Buffer.from(JSON.stringify({ i, pad: 'y'.repeat(i % 300) }));
      lines.appendLine(line);
      expected.push(line, Buffer.from('\n'));
    }
    const views = lines.chunkViews();
    expect(views.length).toBeGreaterThan(1);
    expect(Buffer.concat(views).equals(Buffer.concat(expected))).toBe(true);
    expect(new LineBuffer().chunkViews()).toEqual([]);
  });
});

describe('LineBuffer.appendLines', () => {
  it('holds delivered lines as a view of their buffer, in order with the lines appended around them', () => {
    const delivered = Buffer.from('{"b":2}\n{"c":3}\n{"d":4}\n');
    const lines = new LineBuffer();
    lines.appendLine(Buffer.from('{"a":1}'));
    lines.appendLines(delivered, 0, 16, 2);
    lines.appendLine(Buffer.from('{"x":0}'));
    lines.appendLines(delivered, 16, delivered.length, 1);
    expect(lines.toBuffer().toString()).toBe('{"a":1}\n{"b":2}\n{"c":3}\n{"x":0}\n{"d":4}\n');
    expect(Buffer.concat(lines.chunkViews()).equals(lines.toBuffer())).toBe(true);
    expect(lines.lines).toBe(5);
    expect(lines.bytes).toBe(40);
    // Not copied: the views share the delivered buffer's memory.
    expect(lines.chunkViews().some((view) => view.buffer === delivered.buffer)).toBe(true);
  });
});
