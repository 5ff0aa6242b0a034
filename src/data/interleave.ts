// Stacking 2 or 3 RGB views on the channel axis ([H,W,3] ×V → [H,W,3V]) with 32-bit moves: 4 pixels of each view
// are 3 aligned words, and 4 stacked pixels are 3V words, so each output word is assembled from shifted source
// words. Lazy mode stacks every sampled frame this way; byte-per-byte copying (ViewDecoder's interleave) costs
// ~3.5x more and was the largest cost of a lazy batch after the reads themselves. Little-endian byte order is
// assumed (every platform Node runs on).

/** True when `stackRgbViews` handles this case: 2 or 3 views, a pixel count and byte offsets that are multiples of 4. */
export function canStackRgb(views: number, pixels: number): boolean {
  return (views === 2 || views === 3) && pixels % 4 === 0;
}

/**
 * dst[dstOff ...] = the pixels of srcs[v][srcOffs[v] ...] stacked on the channel axis. All offsets must be
 * multiples of 4 bytes (checked: a misaligned call throws, it is a programming error).
 */
export function stackRgbViews(srcs: Uint8Array[], srcOffs: number[], pixels: number, dst: Uint8Array, dstOff: number): void {
  const groups = pixels >> 2;
  const D = words(dst, dstOff, groups * 3 * srcs.length);
  if (srcs.length === 3) {
    stack3(words(srcs[0], srcOffs[0], groups * 3), words(srcs[1], srcOffs[1], groups * 3), words(srcs[2], srcOffs[2], groups * 3), D, groups);
  } else {
    stack2(words(srcs[0], srcOffs[0], groups * 3), words(srcs[1], srcOffs[1], groups * 3), D, groups);
  }
}

function words(a: Uint8Array, off: number, n: number): Uint32Array {
  const at = a.byteOffset + off;
  if ((at & 3) !== 0) throw new RangeError(`stackRgbViews: byte offset ${at} is not a multiple of 4`);
  return new Uint32Array(a.buffer, at, n);
}

// A, B, C: 4 pixels = 3 words (bytes A0..A11); D: 4 stacked pixels = 9 words (A0 A1 A2 B0 B1 B2 C0 C1 C2 A3 ...)
function stack3(A: Uint32Array, B: Uint32Array, C: Uint32Array, D: Uint32Array, groups: number): void {
  for (let g = 0, s = 0, o = 0; g < groups; g++, s += 3, o += 9) {
    const a0 = A[s];
    const a1 = A[s + 1];
    const a2 = A[s + 2];
    const b0 = B[s];
    const b1 = B[s + 1];
    const b2 = B[s + 2];
    const c0 = C[s];
    const c1 = C[s + 1];
    const c2 = C[s + 2];
    D[o] = (a0 & 0xffffff) | (b0 << 24); // A0 A1 A2 B0
    D[o + 1] = ((b0 >>> 8) & 0xffff) | (c0 << 16); // B1 B2 C0 C1
    D[o + 2] = ((c0 >>> 16) & 0xff) | ((a0 >>> 24) << 8) | (a1 << 16); // C2 A3 A4 A5
    D[o + 3] = (b0 >>> 24) | ((b1 & 0xffff) << 8) | ((c0 >>> 24) << 24); // B3 B4 B5 C3
    D[o + 4] = (c1 & 0xffff) | ((a1 >>> 16) << 16); // C4 C5 A6 A7
    D[o + 5] = (a2 & 0xff) | ((b1 >>> 16) << 8) | (b2 << 24); // A8 B6 B7 B8
    D[o + 6] = (c1 >>> 16) | ((c2 & 0xff) << 16) | (((a2 >>> 8) & 0xff) << 24); // C6 C7 C8 A9
    D[o + 7] = (a2 >>> 16) | (((b2 >>> 8) & 0xffff) << 16); // A10 A11 B9 B10
    D[o + 8] = (b2 >>> 24) | ((c2 >>> 8) << 8); // B11 C9 C10 C11
  }
}

// D: 4 stacked pixels = 6 words (A0 A1 A2 B0 B1 B2 A3 ...)
function stack2(A: Uint32Array, B: Uint32Array, D: Uint32Array, groups: number): void {
  for (let g = 0, s = 0, o = 0; g < groups; g++, s += 3, o += 6) {
    const a0 = A[s];
    const a1 = A[s + 1];
    const a2 = A[s + 2];
    const b0 = B[s];
    const b1 = B[s + 1];
    const b2 = B[s + 2];
    D[o] = (a0 & 0xffffff) | (b0 << 24); // A0 A1 A2 B0
    D[o + 1] = ((b0 >>> 8) & 0xffff) | ((a0 >>> 24) << 16) | (a1 << 24); // B1 B2 A3 A4
    D[o + 2] = ((a1 >>> 8) & 0xff) | ((b0 >>> 24) << 8) | (b1 << 16); // A5 B3 B4 B5
    D[o + 3] = (a1 >>> 16) | ((a2 & 0xff) << 16) | (((b1 >>> 16) & 0xff) << 24); // A6 A7 A8 B6
    D[o + 4] = (b1 >>> 24) | ((b2 & 0xff) << 8) | (((a2 >>> 8) & 0xffff) << 16); // B7 B8 A9 A10
    D[o + 5] = (a2 >>> 24) | ((b2 >>> 8) << 8); // A11 B9 B10 B11
  }
}
