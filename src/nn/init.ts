// PyTorch's default initialisation of nn.Linear and nn.Conv2d, drawn from lapo's seeded Rng.
// PyTorch: weight ~ kaiming_uniform(a=√5) = U(±gain·√(3/fan_in)) with gain = √(2/(1+5)), i.e. U(±1/√fan_in);
// bias ~ U(±1/√fan_in). Same bound for both, as in torch.nn.Linear.reset_parameters.
import type { Rng } from '../util/rng.js';

export function torchUniformBound(fanIn: number): number {
  return 1 / Math.sqrt(fanIn);
}

export function uniformArray(rng: Rng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng.uniform() - 1) * bound;
  return out;
}

/** Transposes a row-major [rows, cols] matrix (PyTorch [out,in] <-> our [in,out]). */
export function transpose2d(src: Float32Array | ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  }
  return out;
}
