// Where a dataset's bytes lie in the file, so lazy mode can read rows with one `pread` instead of one h5wasm call
// each (~50-100 µs: dataset open, hyperslab selection, read through Emscripten's file layer).
//
// h5wasm does not expose H5Dget_offset, but it does expose H5Rcreate(H5R_OBJECT), whose reference *is* the
// object header's address. From there we read the header ourselves (format spec §IV.A: version 1 headers from
// h5py's default "earliest" format, "OHDR" version 2 headers from libver latest, continuation blocks of both) and
// take the Data Layout message (§IV.A.2.i): a contiguous layout (message versions 1-4) gives the data's address;
// a chunked one (versions 1-3: h5py's and h5wasm's default formats) the address of its B-tree chunk index, read by
// h5-chunks.ts, with the filter pipeline. Anything else (compact, virtual, external files, version 4 chunk indexes,
// unallocated storage, an unknown version) returns null and the caller keeps using h5wasm. The caller also checks
// rows read both ways before trusting a result.
import { readSync } from 'node:fs';

const UNDEFINED_ADDRESS = 0xffffffffffffffffn;
const MSG_DATATYPE = 0x0003;
const MSG_EXTERNAL_FILES = 0x0007;
const MSG_LAYOUT = 0x0008;
const MSG_FILTERS = 0x000b;
const MSG_CONTINUATION = 0x0010;
const MAX_HEADER_BLOCKS = 64;
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface Superblock {
  /** Absolute file position that every address in the file is relative to. */
  base: number;
  offsetSize: number;
  lengthSize: number;
}

export interface Filter {
  /** HDF5 filter id: 1 deflate, 2 shuffle, 3 fletcher32, ... */
  id: number;
  optional: boolean;
  values: number[];
}

export type Storage =
  | {
      kind: 'contiguous';
      /** Absolute file position of row 0. */
      offset: number;
      /** Bytes of the whole dataset as stored. */
      size: number;
      /** True for little-endian integers and IEEE floats (what a typed array on this machine reads). */
      littleEndian: boolean;
    }
  | {
      kind: 'chunked';
      /** Absolute file position of the chunk index (a version 1 B-tree). */
      index: number;
      chunkDims: number[];
      elementSize: number;
      /** In the order they were applied when writing. */
      filters: Filter[];
      littleEndian: boolean;
    };

function readAt(fd: number, pos: number, len: number): Buffer {
  const buf = Buffer.alloc(len);
  const got = readSync(fd, buf, 0, len, pos);
  if (got < len) throw new RangeError(`short read at ${pos}`);
  return buf;
}

function uint(buf: Buffer, at: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[at + i]);
  return v;
}

/** Reads the superblock at the first signature position (0, 512, 1024, ...), or null for an unknown version. */
export function readSuperblock(fd: number, fileSize: number): Superblock | null {
  for (let pos = 0; pos + 48 <= fileSize; pos = pos === 0 ? 512 : pos * 2) {
    const b = readAt(fd, pos, 48);
    if (!b.subarray(0, 8).equals(HDF5_SIGNATURE)) continue;
    const version = b[8];
    let offsetSize: number;
    let lengthSize: number;
    let baseAt: number;
    if (version === 0 || version === 1) {
      offsetSize = b[13];
      lengthSize = b[14];
      baseAt = version === 0 ? 24 : 28;
    } else if (version === 2 || version === 3) {
      offsetSize = b[9];
      lengthSize = b[10];
      baseAt = 12;
    } else {
      return null;
    }
    if (![2, 4, 8].includes(offsetSize) || ![2, 4, 8].includes(lengthSize)) return null;
    const base = uint(b, baseAt, offsetSize);
    return { base: Number(base), offsetSize, lengthSize };
  }
  return null;
}

interface Message {
  type: number;
  data: Buffer;
}

/** Every message of the object header at `addr` (relative), following continuation blocks. */
function headerMessages(fd: number, sb: Superblock, addr: number): Message[] | null {
  const out: Message[] = [];
  const O = sb.offsetSize;
  const L = sb.lengthSize;
  const first = readAt(fd, sb.base + addr, 32);
  const v2 = first.subarray(0, 4).toString('latin1') === 'OHDR';
  let blocks: { pos: number; len: number; sig: boolean }[];
  let flags = 0;
  if (v2) {
    if (first[4] !== 2) return null;
    flags = first[5];
    let at = 6;
    if (flags & 0x20) at += 16; // access, modification, change, birth times
    if (flags & 0x10) at += 4; // max compact / min dense attribute counts
    const sizeBytes = 1 << (flags & 3);
    const chunk0 = Number(uint(first, at, sizeBytes));
    at += sizeBytes;
    blocks = [{ pos: addr + at, len: chunk0, sig: false }];
  } else {
    if (first[0] !== 1) return null;
    const chunk0 = first.readUInt32LE(8);
    blocks = [{ pos: addr + 16, len: chunk0, sig: false }];
  }
  for (let k = 0; k < blocks.length; k++) {
    if (k >= MAX_HEADER_BLOCKS) return null;
    const blk = blocks[k];
    const data = readAt(fd, sb.base + blk.pos, blk.len);
    let at = 0;
    let end = blk.len;
    if (v2 && blk.sig) {
      if (data.subarray(0, 4).toString('latin1') !== 'OCHK') return null;
      at = 4;
      end -= 4; // checksum
    }
    // a v2 message prefix is 4 bytes (6 with creation order); v1's is 8 and messages are 8-byte aligned
    const prefix = v2 ? 4 + (flags & 0x04 ? 2 : 0) : 8;
    while (at + prefix <= end) {
      const type = v2 ? data[at] : data.readUInt16LE(at);
      const size = v2 ? data.readUInt16LE(at + 1) : data.readUInt16LE(at + 2);
      const body = at + prefix;
      if (body + size > end) break; // the gap at the end of a v2 block
      const msg = data.subarray(body, body + size);
      out.push({ type, data: msg });
      if (type === MSG_CONTINUATION) {
        blocks.push({ pos: Number(uint(msg, 0, O)), len: Number(uint(msg, O, L)), sig: true });
      }
      at = body + size;
    }
  }
  return out;
}

/** Message types of the object header at `headerAddr`, continuation blocks included (for tests and diagnosis). */
export function headerMessageTypes(fd: number, sb: Superblock, headerAddr: number): number[] | null {
  return headerMessages(fd, sb, headerAddr)?.map((m) => m.type) ?? null;
}

/** The storage of the dataset whose object header is at `headerAddr`, or null (see the file comment). */
export function datasetStorage(fd: number, sb: Superblock, headerAddr: number): Storage | null {
  const msgs = headerMessages(fd, sb, headerAddr);
  if (!msgs) return null;
  if (msgs.some((m) => m.type === MSG_EXTERNAL_FILES)) return null;
  const layouts = msgs.filter((m) => m.type === MSG_LAYOUT);
  if (layouts.length !== 1) return null;
  const d = layouts[0].data;
  const O = sb.offsetSize;
  const version = d[0];
  const littleEndian = littleEndianType(msgs);
  const filterMsg = msgs.find((m) => m.type === MSG_FILTERS);
  const filters = filterMsg ? parseFilters(filterMsg.data) : [];
  if (!filters) return null;
  // version 1-2: version, dimensionality, class, 5 reserved bytes, address, dimensionality 4-byte sizes
  // version 3: version, class, then per class (contiguous: address, size; chunked: dimensionality, address, sizes)
  const cls = version === 1 || version === 2 ? d[2] : version === 3 || version === 4 ? d[1] : -1;
  let addr: bigint;
  if (cls === 1) {
    if (filters.length > 0) return null;
    let size: number;
    if (version <= 2) {
      addr = uint(d, 8, O);
      size = 1;
      for (let i = 0; i < d[1]; i++) size *= d.readUInt32LE(8 + O + 4 * i);
    } else {
      addr = uint(d, 2, O);
      size = Number(uint(d, 2 + O, sb.lengthSize));
    }
    if (undefinedAddress(addr, O)) return null;
    return { kind: 'contiguous', offset: sb.base + Number(addr), size, littleEndian };
  }
  // chunked, indexed by a version 1 B-tree (layout versions 1-3; version 4's other indexes are not read)
  if (cls !== 2 || version === 4) return null;
  const ndims = version <= 2 ? d[1] : d[2];
  const dimsAt = version <= 2 ? 8 + O : 3 + O;
  addr = version <= 2 ? uint(d, 8, O) : uint(d, 3, O);
  if (undefinedAddress(addr, O)) return null;
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(d.readUInt32LE(dimsAt + 4 * i));
  // the last "dimension" is the element size
  return { kind: 'chunked', index: sb.base + Number(addr), chunkDims: dims.slice(0, -1), elementSize: dims[ndims - 1], filters, littleEndian };
}

function undefinedAddress(addr: bigint, O: number): boolean {
  return addr === UNDEFINED_ADDRESS || addr === (1n << BigInt(8 * O)) - 1n;
}

/** Filter pipeline message (§IV.A.2.l), versions 1 and 2: filter ids and client values, in write order. */
function parseFilters(d: Buffer): Filter[] | null {
  const version = d[0];
  const n = d[1];
  if (version !== 1 && version !== 2) return null;
  let at = version === 1 ? 8 : 2;
  const out: Filter[] = [];
  for (let f = 0; f < n; f++) {
    const id = d.readUInt16LE(at);
    at += 2;
    let nameLen = 0;
    if (version === 1 || id >= 256) {
      nameLen = d.readUInt16LE(at);
      at += 2;
    }
    const flags = d.readUInt16LE(at);
    const nvalues = d.readUInt16LE(at + 2);
    at += 4;
    // version 1 pads the name to a multiple of 8 and the values to an even count
    at += version === 1 ? Math.ceil(nameLen / 8) * 8 : nameLen;
    const values: number[] = [];
    for (let i = 0; i < nvalues; i++) values.push(d.readUInt32LE(at + 4 * i));
    at += 4 * (version === 1 && nvalues % 2 === 1 ? nvalues + 1 : nvalues);
    out.push({ id, optional: (flags & 1) === 1, values });
  }
  return out;
}

/** Datatype message (§IV.A.2.d): class in the low 4 bits of byte 0; for fixed-point and floating-point classes,
 * bit 0 of the class bit field is the byte order (and float bit 6 marks the VAX order). */
function littleEndianType(msgs: Message[]): boolean {
  const t = msgs.find((m) => m.type === MSG_DATATYPE);
  if (!t || t.data.length < 2) return false;
  const cls = t.data[0] & 0x0f;
  const bits = t.data[1];
  if (cls === 0) return (bits & 0x01) === 0;
  if (cls === 1) return (bits & 0x41) === 0;
  return false;
}
