// Batched GEMM, plain loops (i-k-j order so the inner loop walks rows of B and out).
import type { GemmArgs } from "../backend";

export function matmul(g: GemmArgs): void {
  const { batch, m, n, k, a, b, out, transA, transB } = g;
  const row = new Float64Array(n);
  for (let bt = 0; bt < batch; bt++) {
    const ao = g.aOffset + bt * g.aBatchStride;
    const bo = g.bOffset + bt * g.bBatchStride;
    const oo = bt * m * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const av = transA ? a[ao + p * m + i] : a[ao + i * k + p];
        if (transB) {
          for (let j = 0; j < n; j++) row[j] += av * b[bo + j * k + p];
        } else {
          const bRow = bo + p * n;
          for (let j = 0; j < n; j++) row[j] += av * b[bRow + j];
        }
      }
      for (let j = 0; j < n; j++) out[oo + i * n + j] = row[j];
    }
  }
}
