// BatchMatMul and _FusedMatMul (bias + activation fused into the product's epilogue) on OpenBLAS, every
// transpose combination, batch dimensions broadcast when one side has a single matrix.
import { tf } from '../tf.js';
import { fusedActivation } from './addon.js';
import { f32, size, type NativeKernel } from './util.js';

function product(args: Parameters<NativeKernel>[0], addon: Parameters<NativeKernel>[1], fused: boolean): tf.TensorInfo | null {
  const { inputs, backend, attrs = {} } = args;
  const a = inputs.a as tf.TensorInfo;
  const b = inputs.b as tf.TensorInfo;
  const av = f32(backend, a);
  const bv = f32(backend, b);
  if (!av || !bv || a.shape.length < 2 || b.shape.length < 2) return null;
  const ta = Boolean(attrs.transposeA);
  const tb = Boolean(attrs.transposeB);
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = tb ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) return null; // let the cpu kernel raise tfjs's own message
  const batchA = size(a.shape.slice(0, -2));
  const batchB = size(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  let bias: Float32Array | null = null;
  let biasScalar = false;
  let act = 0;
  let alpha = 0;
  if (fused) {
    const fa = fusedActivation(inputs, attrs);
    if (!fa) return null;
    ({ act, alpha } = fa);
    const biasT = inputs.bias as tf.TensorInfo | undefined;
    if (biasT) {
      bias = f32(backend, biasT);
      const bs = size(biasT.shape);
      if (!bias || (bs !== n && bs !== 1) || (bs === n && biasT.shape.length > 1 && biasT.shape[biasT.shape.length - 1] !== n)) {
        return null;
      }
      biasScalar = bs === 1 && n !== 1;
    }
  }
  const out = backend.allocF32(batch * m * n);
  addon.matmul(av, bv, out, batch, m, n, k, ta, tb, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n, bias, biasScalar, act, alpha);
  return backend.makeTensorInfo([...outer, m, n], 'float32', out);
}

export const batchMatMul: NativeKernel = (args, addon) => product(args, addon, false);
export const fusedMatMul: NativeKernel = (args, addon) => product(args, addon, true);
