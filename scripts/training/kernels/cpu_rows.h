// 16-lane vectors of float or double for the CPU kernels (GCC/Clang vector extensions: one AVX-512 register of
// floats, two AVX2 ones, whatever the target), and the few functions on them the kernels need. A row of a 16x16
// splatting tile is one such vector.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace npga {

/// One pixel row of a tile: 16 lanes of S (GCC/Clang vector extension; AVX-512: one register of floats, AVX2: two).
/// Every per-pixel step of the rasteriser is written on rows, so it is vectorised on any x86-64 target.
template <typename S> struct RowOf { typedef S type __attribute__((vector_size(16 * sizeof(S)))); };
template <typename S> using Row = typename RowOf<S>::type;

template <typename S> inline Row<S> lanes() {
  Row<S> r;
  for (int i = 0; i < 16; ++i) r[i] = S(i);
  return r;
}

template <typename S> inline S hsum(Row<S> v) {
  S s = S(0);
  for (int i = 0; i < 16; ++i) s += v[i];
  return s;
}

template <typename S> inline Row<S> rload(const S* p) {
  Row<S> r;
  std::memcpy(&r, p, sizeof r);
  return r;
}

template <typename S> inline void rstore(S* p, Row<S> r) { std::memcpy(p, &r, sizeof r); }

/// exp of a row whose lanes are <= 0. double: libm per lane (the tests' precision); float: a Cephes-style polynomial
/// (max rel. error ~2e-7 on [-87, 0]), n = round(x / ln 2) by the 1.5 * 2^23 trick, 2^n built in the exponent bits.
template <typename S> inline Row<S> vexp(Row<S> x) {
  for (int i = 0; i < 16; ++i) x[i] = std::exp(x[i]);
  return x;
}
template <> inline Row<float> vexp<float>(Row<float> x) {
  typedef int32_t RowI __attribute__((vector_size(16 * sizeof(int32_t))));
  const Row<float> lo = Row<float>{} - 87.0f;
  x = x < lo ? lo : x;
  Row<float> big = x * 1.44269504088896341f + 12582912.0f;
  RowI bits = (RowI)big;
  Row<float> n = big - 12582912.0f;
  Row<float> r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  Row<float> p = r * 1.9875691500E-4f + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  Row<float> y = p * r * r + r + 1.0f;
  RowI e = (bits - 0x4B400000 + 127) << 23;
  return y * (Row<float>)e;
}

}  // namespace npga
