/** Test support: writes small zip archives (stored or deflated entries), so tests can make fake wheels. */
import { writeFileSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';

/** Writes `files` (name → content) as a zip at `path`; `deflate` compresses every entry. */
export function writeZip(path: string, files: Record<string, string | Buffer>, deflate = true): void {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const stored = deflate ? deflateRawSync(data) : data;
    const nameBytes = Buffer.from(name);
    // Both headers hold method, CRC, both sizes and the name's length in the same order, from `at` on.
    const header = (size: number, signature: number, at: number) => {
      const b = Buffer.alloc(size);
      b.writeUInt32LE(signature, 0);
      b.writeUInt16LE(20, 4);
      b.writeUInt16LE(deflate ? 8 : 0, at);
      b.writeUInt32LE(crc32(data), at + 6);
      b.writeUInt32LE(stored.length, at + 10);
      b.writeUInt32LE(data.length, at + 14);
      b.writeUInt16LE(nameBytes.length, at + 18);
      return b;
    };
    const local = header(30, 0x04034b50, 8);
    const entry = header(46, 0x02014b50, 10);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, stored);
    central.push(entry, nameBytes);
    offset += 30 + nameBytes.length + stored.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(path, Buffer.concat([...locals, dir, end]));
}
