// The `native` backend: tfjs's cpu backend (tensors are plain typed arrays, every cpu kernel available as a
// fallback) plus a pool of output arrays for the native kernels.
//
// Why a pool: a fresh Float32Array is calloc'ed by V8 and every page is faulted in on first write; measured
// on the 2-core reference machine, allocating and touching 8 MB costs ~2.5 ms (3 GB/s), and one training
// step at batch 64 allocates a few hundred MB of activations and gradients. Reusing arrays of the same length
// (shapes repeat exactly from step to step) removes that cost.
//
// Safety: an array goes back to the pool when the last tensor whose storage lies in its buffer is disposed
// (views such as contiguous slices count as owners). Arrays handed out to user code (dataSync, data, array,
// bufferSync) are copies, so nothing outside the backend can observe a recycled array.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { totalmem } from 'node:os';
import { tf } from '../tf.js';

type Values = tf.BackendValues;

export class NativeBackend extends MathBackendCPU {
  /** Free arrays by element count, most recently freed last (still warm in cache). */
  private readonly free = new Map<number, Float32Array[]>();
  /** Pooled buffers -> the full array that owns them. */
  private readonly pooled = new WeakMap<ArrayBufferLike, Float32Array>();
  /** Pooled buffers -> number of live tensor data entries stored in them. */
  private readonly owners = new Map<ArrayBufferLike, number>();
  private freeBytes = 0;
  /** Allocations served from the pool / newly made (bench and tests read them through poolStats()). */
  private hits = 0;
  private misses = 0;
  /** Free arrays beyond this are left to the garbage collector. */
  private readonly maxFreeBytes = Math.min(8 * 2 ** 30, Math.floor(totalmem() / 4));

  constructor() {
    super();
    // The cpu backend prints an "install tfjs-node" banner on first use; this backend is the native one.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** A Float32Array of n elements with arbitrary contents (kernels overwrite every element). */
  allocF32(n: number): Float32Array {
    const list = this.free.get(n);
    const reused = list?.pop();
    if (reused) {
      this.freeBytes -= reused.byteLength;
      this.hits++;
      return reused;
    }
    this.misses++;
    const a = new Float32Array(n);
    // Every size is tracked, tiny ones too: ownership is what lets the optimizers update biases in place.
    this.pooled.set(a.buffer, a);
    return a;
  }

  /** True when `values` is the only tensor storage in a pooled buffer: it may be updated in place. */
  ownsExclusively(values: Values): boolean {
    if (!ArrayBuffer.isView(values)) return false;
    const full = this.pooled.get(values.buffer);
    return full !== undefined && full === values && this.owners.get(values.buffer) === 1;
  }

  private track(values: Values | undefined): void {
    if (values === undefined || !ArrayBuffer.isView(values)) return;
    if (!this.pooled.has(values.buffer)) return;
    this.owners.set(values.buffer, (this.owners.get(values.buffer) ?? 0) + 1);
  }

  private untrack(values: Values | undefined): void {
    if (values === undefined || !ArrayBuffer.isView(values)) return;
    const buf = values.buffer;
    const full = this.pooled.get(buf);
    if (full === undefined) return;
    const left = (this.owners.get(buf) ?? 1) - 1;
    if (left > 0) {
      this.owners.set(buf, left);
      return;
    }
    this.owners.delete(buf);
    this.recycle(full);
  }

  private recycle(full: Float32Array): void {
    if (this.freeBytes + full.byteLength > this.maxFreeBytes) return;
    let list = this.free.get(full.length);
    if (!list) this.free.set(full.length, (list = []));
    list.push(full);
    this.freeBytes += full.byteLength;
  }

  /** Returns a scratch array from allocF32 that never became tensor storage. */
  releaseScratch(a: Float32Array): void {
    if (this.pooled.get(a.buffer) === a && !this.owners.has(a.buffer)) this.recycle(a);
  }

  override write(values: Values, shape: number[], dtype: tf.DataType): tf.DataId {
    const id = super.write(values, shape, dtype);
    this.track(values);
    return id;
  }

  override move(dataId: tf.DataId, values: Values, shape: number[], dtype: tf.DataType, refCount: number): void {
    if (this.data.has(dataId)) this.untrack(this.data.get(dataId).values);
    super.move(dataId, values, shape, dtype, refCount);
    this.track(values);
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const entry = this.data.has(dataId) ? this.data.get(dataId) : undefined;
    const released = super.disposeData(dataId, force);
    if (entry && !this.data.has(dataId)) this.untrack(entry.values);
    return released;
  }

  override readSync(dataId: tf.DataId): Values {
    const v = super.readSync(dataId);
    // Hand out a copy of pooled storage: the caller may keep it after the tensor is gone.
    return ArrayBuffer.isView(v) && this.pooled.has(v.buffer) ? (v as Float32Array).slice() : v;
  }

  /** Pool statistics (tests and the bench print them). */
  poolStats(): { freeArrays: number; freeBytes: number; liveBuffers: number; hits: number; misses: number } {
    let freeArrays = 0;
    for (const l of this.free.values()) freeArrays += l.length;
    return { freeArrays, freeBytes: this.freeBytes, liveBuffers: this.owners.size, hits: this.hits, misses: this.misses };
  }

  override dispose(): void {
    this.free.clear();
    this.owners.clear();
    this.freeBytes = 0;
    super.dispose();
  }
}
