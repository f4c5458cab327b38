// A stateless 32-bit hash of (seed, index) (lowbias32 finalizer); mirrored in lib/reference/hash.ts.
fn hash2(seed: u32, i: u32) -> u32 {
  var x = i ^ (seed * 0x9e3779b9u);
  x ^= x >> 16u;
  x *= 0x21f0aaadu;
  x ^= x >> 15u;
  x *= 0x735a2d97u;
  x ^= x >> 15u;
  return x;
}
