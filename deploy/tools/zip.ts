/**
 * Reading one file out of a zip archive (a Python wheel is one), with Node alone: no `unzip` or Python needed.
 * Enough of the format for wheels: stored or deflated entries, no ZIP64, no encryption.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** Names of the archive's entries. */
export async function zipEntries(zipPath: string): Promise<string[]> {
  return (await readDirectory(zipPath)).map((e) => e.name);
}

/**
 * Writes the entry `member` of `zipPath` to `dest`; throws when it is missing, uses an unsupported feature,
 * or does not inflate to its recorded size.
 */
export async function extractZipMember(zipPath: string, member: string, dest: string): Promise<void> {
  const entry = (await readDirectory(zipPath)).find((e) => e.name === member);
  if (!entry) throw new Error(`${member} is not in the archive`);
  if (entry.method !== 0 && entry.method !== 8)
    throw new Error(`${member} uses zip compression method ${entry.method}; only stored and deflated are read`);
  const file = await open(zipPath, 'r');
  let dataStart: number;
  try {
    const local = Buffer.alloc(30);
    await file.read(local, 0, 30, entry.localHeaderOffset);
    if (local.readUInt32LE(0) !== LOCAL_HEADER)
      throw new Error(`${member}: no local header at offset ${entry.localHeaderOffset}`);
    dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    await file.close();
  }
  const source = createReadStream(zipPath, { start: dataStart, end: dataStart + entry.compressedSize - 1 });
  const out = createWriteStream(dest);
  if (entry.method === 8) await pipeline(source, createInflateRaw(), out);
  else await pipeline(source, out);
  if (out.bytesWritten !== entry.size)
    throw new Error(`${member}: wrote ${out.bytesWritten} bytes, the archive says ${entry.size}`);
}

async function readDirectory(zipPath: string): Promise<Entry[]> {
  const file = await open(zipPath, 'r');
  try {
    const { size } = await file.stat();
    // The end record is 22 bytes plus a comment of up to 64 KiB, at the very end.
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(tailLength);
    await file.read(tail, 0, tailLength, size - tailLength);
    let end = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
        end = i;
        break;
      }
    }
    if (end < 0) throw new Error(`${zipPath} is not a zip archive (no end of central directory)`);
    const count = tail.readUInt16LE(end + 10);
    const dirSize = tail.readUInt32LE(end + 12);
    const dirOffset = tail.readUInt32LE(end + 16);
    if (dirOffset === 0xffffffff || count === 0xffff)
      throw new Error(`${zipPath} is a ZIP64 archive, which is not supported`);
    const dir = Buffer.alloc(dirSize);
    await file.read(dir, 0, dirSize, dirOffset);
    const entries: Entry[] = [];
    for (let at = 0, i = 0; i < count; i++) {
      if (dir.readUInt32LE(at) !== CENTRAL_ENTRY) throw new Error(`${zipPath}: corrupt central directory (entry ${i})`);
      const nameLength = dir.readUInt16LE(at + 28);
      entries.push({
        method: dir.readUInt16LE(at + 10),
        compressedSize: dir.readUInt32LE(at + 20),
        size: dir.readUInt32LE(at + 24),
        localHeaderOffset: dir.readUInt32LE(at + 42),
        name: dir.toString('utf8', at + 46, at + 46 + nameLength),
      });
      at += 46 + nameLength + dir.readUInt16LE(at + 30) + dir.readUInt16LE(at + 32);
    }
    return entries;
  } finally {
    await file.close();
  }
}
