/** The stateless 32-bit hash of kernels/hash.wgsl, bit for bit: dropout masks match across backends. */
export function hash2(seed: number, i: number): number {
  let x = (i ^ Math.imul(seed, 0x9e3779b9)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97) >>> 0;
  x ^= x >>> 15;
  return x >>> 0;
}
