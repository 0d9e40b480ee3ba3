// 16-lane vectors of float or double for the CPU kernels (GCC/Clang vector extensions: one AVX-512 register of
// floats, two AVX2 ones, whatever the target), and the few functions on them the kernels need. A row of a 16x16
// splatting tile is one such vector.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#if defined(__AVX__)
#include <immintrin.h>
#endif

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

/// Sum of a row's lanes, as a pairwise tree (four dependent adds, not sixteen: the compiler may not reassociate a
/// sequential sum of floats, and a horizontal sum per visited row was what the rasteriser's inner loops waited on).
template <typename S> inline S hsum(Row<S> v) {
  S a[16];
  std::memcpy(a, &v, sizeof a);
  for (int w = 8; w >= 1; w /= 2)
    for (int i = 0; i < w; ++i) a[i] += a[i + w];
  return a[0];
}

/// Bit i set where lane i of the row is not zero: a compare-to-mask on AVX-512 (one instruction per 16 floats or 8
/// doubles), a movemask on AVX, a loop elsewhere. "Any lane" and "how many lanes" tests without a horizontal sum.
template <typename S> inline uint32_t lane_bits(Row<S> v) {
  uint32_t m = 0;
  for (int i = 0; i < 16; ++i) m |= uint32_t(v[i] != S(0)) << i;
  return m;
}
#if defined(__AVX512F__)
template <> inline uint32_t lane_bits<float>(Row<float> v) {
  __m512 x;
  std::memcpy(&x, &v, sizeof x);
  return _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NEQ_UQ);
}
template <> inline uint32_t lane_bits<double>(Row<double> v) {
  __m512d lo, hi;
  std::memcpy(&lo, &v, sizeof lo);
  std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
  return uint32_t(_mm512_cmp_pd_mask(lo, _mm512_setzero_pd(), _CMP_NEQ_UQ)) |
         uint32_t(_mm512_cmp_pd_mask(hi, _mm512_setzero_pd(), _CMP_NEQ_UQ)) << 8;
}
#elif defined(__AVX__)
template <> inline uint32_t lane_bits<float>(Row<float> v) {
  __m256 lo, hi;
  std::memcpy(&lo, &v, sizeof lo);
  std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
  const __m256 z = _mm256_setzero_ps();
  return uint32_t(_mm256_movemask_ps(_mm256_cmp_ps(lo, z, _CMP_NEQ_UQ))) |
         uint32_t(_mm256_movemask_ps(_mm256_cmp_ps(hi, z, _CMP_NEQ_UQ))) << 8;
}
#endif

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
