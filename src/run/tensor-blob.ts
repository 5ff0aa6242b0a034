// Named tensors ⇄ one binary blob + a JSON manifest (name, shape, dtype, offset, bytes), the format of
// checkpoint weights and optimizer state. Little-endian raw values, 8-byte aligned entries, and a sha256 of the
// blob so a truncated or edited file is refused instead of silently loading garbage.
import { createHash } from 'node:crypto';
import { tf } from '../backend/tf.js';
import { LapoError, fmtShape } from '../errors.js';

export type BlobDtype = 'float32' | 'int32';

export interface BlobEntry {
  name: string;
  shape: number[];
  dtype: BlobDtype;
  offset: number;
  bytes: number;
}

export interface BlobManifest {
  file: string;
  bytes: number;
  sha256: string;
  entries: BlobEntry[];
}

/** Host copy of one tensor. */
export interface HostTensor {
  shape: number[];
  dtype: BlobDtype;
  data: Float32Array | Int32Array;
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

/** Reads every tensor back to the host (awaits each download, so it works on async backends too). */
export async function toHost(tensors: Map<string, tf.Tensor>): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of tensors) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') {
      throw new LapoError('runtime', `checkpoint: ${name}: expected a float32 or int32 tensor, found ${t.dtype}`);
    }
    const data = (await t.data()) as Float32Array | Int32Array;
    out.set(name, { shape: [...t.shape], dtype: t.dtype, data: data.slice() });
  }
  return out;
}

/** Packs host tensors into one buffer (entries in the map's order) and its manifest. */
export function packBlob(file: string, tensors: Map<string, HostTensor>): { manifest: BlobManifest; blob: Buffer } {
  if (!isLittleEndian()) throw new LapoError('runtime', 'checkpoint: big-endian machines are not supported');
  const entries: BlobEntry[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.byteLength;
    entries.push({ name, shape: t.shape, dtype: t.dtype, offset, bytes });
    offset += Math.ceil(bytes / 8) * 8;
  }
  const blob = Buffer.alloc(offset);
  for (const e of entries) {
    const t = tensors.get(e.name)!;
    blob.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), e.offset);
  }
  const sha256 = createHash('sha256').update(blob).digest('hex');
  return { manifest: { file, bytes: blob.byteLength, sha256, entries }, blob };
}

/** Unpacks a blob after checking its length, hash and every entry's bounds. `where` names it in errors. */
export function unpackBlob(where: string, manifest: BlobManifest, blob: Buffer): Map<string, HostTensor> {
  if (blob.byteLength !== manifest.bytes) {
    throw new LapoError('checkpoint', `${where}: expected ${manifest.bytes} bytes, found ${blob.byteLength} (truncated or replaced file)`);
  }
  const sha = createHash('sha256').update(blob).digest('hex');
  if (sha !== manifest.sha256) throw new LapoError('checkpoint', `${where}: sha256 does not match the manifest (corrupted file)`);
  const out = new Map<string, HostTensor>();
  for (const e of manifest.entries) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (e.bytes !== size * 4 || e.offset + e.bytes > blob.byteLength || e.offset % 4 !== 0) {
      throw new LapoError('checkpoint', `${where}: ${e.name}: manifest entry ${fmtShape(e.shape)} at ${e.offset} does not fit the file`);
    }
    // Copy out of the (possibly unaligned) Buffer slice into a fresh typed array.
    const bytes = new Uint8Array(blob.buffer, blob.byteOffset + e.offset, e.bytes).slice();
    const data = e.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    out.set(e.name, { shape: e.shape, dtype: e.dtype, data });
  }
  return out;
}

/** Host tensor → a new tf.Tensor (the caller owns it). */
export function fromHost(t: HostTensor): tf.Tensor {
  return tf.tensor(t.data, t.shape, t.dtype);
}
