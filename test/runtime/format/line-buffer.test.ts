import { LineBuffer, concatLines } from '../../../runtime/format/line-buffer';

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

describe('concatLines', () => {
  it('joins several buffers in the given order with one body', () => {
    const first = new LineBuffer();
    const second = new LineBuffer();
    const empty = new LineBuffer();
    first.appendLine(Buffer.from('1'));
    second.appendLine(Buffer.from('2'));
    second.appendLine(Buffer.from('3'));
    expect(concatLines([first, empty, second]).toString()).toBe('1\n2\n3\n');
  });
});
