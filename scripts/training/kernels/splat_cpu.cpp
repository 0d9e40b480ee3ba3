// Fused 3D Gaussian splatting for training on the CPU: projection and tile rasterisation, forward and backward, as
// one PyTorch extension (OpenMP over Gaussians and tiles; per-thread gradient buffers, no atomics). The math lives in
// splat_math.h, shared with the CUDA build; this file holds the loops.
//
// Rasterisation works a tile (16x16 pixels) at a time, Gaussian by Gaussian in depth order, a whole pixel row of the
// tile per vector: every row loop has 16 lanes and no branches, so the compiler vectorises it (AVX2 / AVX-512).
// Rows the Gaussian cannot reach (alpha < 1/255 everywhere on them, splat_math.h alpha_extent) are not visited, and
// tiles of its rectangle it cannot reach are left out of the tile lists: exact, since such pixels would skip it.
//
// Tensors (N Gaussians, C = 3 + L channels, H x W image, T tiles):
//   project_forward(means [N,3], quats [N,4], log_scales [N,3], opacity_logits [N], sh [N,K,3], cam...) ->
//     uv [N,2] px, depth [N] m, conic [N,3], opacity [N], colour [N,3], radius [N], rect [N,4] int32, valid [N] bool
//   project_backward(inputs, valid, grad uv, conic, opacity, colour) -> grads of means, quats, log_scales, logits, sh
//   rasterize_forward(uv, conic, opacity, features [N,C], depth, rect, valid, W, H, background [3]) ->
//     image [C,H,W], T_final [H,W], tile offsets [T+1] int32, tile lists [P] int32, last [T*256] int32
//   rasterize_backward(uv, conic, opacity, features, background, offsets, lists, last, T_final, grad image,
//     grad T_final) -> grads of uv, conic, opacity, features
#include <torch/extension.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <type_traits>
#include <vector>

#include <omp.h>

#include "cpu_ops.h"
#include "cpu_rows.h"
#include "splat_math.h"

using namespace splat;

namespace {

constexpr int P = TILE * TILE;
using npga::Row;
using npga::hsum;
using npga::lane_bits;
using npga::lanes;
using npga::vexp;

template <typename S> Cam<S> make_cam(const torch::Tensor& R, const torch::Tensor& t, double fx, double fy, double cx,
                                      double cy, int64_t width, int64_t height, double near) {
  auto Rd = R.to(torch::kDouble).contiguous(), td = t.to(torch::kDouble).contiguous();
  const double* r = Rd.data_ptr<double>();
  const double* tt = td.data_ptr<double>();
  Cam<S> c;
  for (int i = 0; i < 9; ++i) c.W[i] = S(r[i]);
  for (int i = 0; i < 3; ++i) c.t[i] = S(tt[i]);
  for (int i = 0; i < 3; ++i) c.centre[i] = S(-(r[i] * tt[0] + r[3 + i] * tt[1] + r[6 + i] * tt[2]));
  c.fx = S(fx); c.fy = S(fy); c.cx = S(cx); c.cy = S(cy); c.near = S(near);
  c.width = int(width); c.height = int(height);
  return c;
}

int sh_degree_of(const torch::Tensor& sh) {
  int k = int(sh.size(1));
  int d = 0;
  while ((d + 1) * (d + 1) < k) ++d;
  TORCH_CHECK((d + 1) * (d + 1) == k && d <= 3, "sh must be [N,(d+1)^2,3] with d <= 3, got ", sh.sizes());
  return d;
}

void check_inputs(const torch::Tensor& means, const torch::Tensor& quats, const torch::Tensor& log_scales,
                  const torch::Tensor& logits, const torch::Tensor& sh) {
  int64_t n = means.size(0);
  TORCH_CHECK(means.dim() == 2 && means.size(1) == 3, "means must be [N,3]");
  TORCH_CHECK(quats.dim() == 2 && quats.size(0) == n && quats.size(1) == 4, "quats must be [N,4]");
  TORCH_CHECK(log_scales.dim() == 2 && log_scales.size(0) == n && log_scales.size(1) == 3, "log_scales must be [N,3]");
  TORCH_CHECK(logits.numel() == n, "opacity_logits must have N elements");
  TORCH_CHECK(sh.dim() == 3 && sh.size(0) == n && sh.size(2) == 3, "sh must be [N,K,3]");
  for (auto* t : {&quats, &log_scales, &logits, &sh})
    TORCH_CHECK(t->scalar_type() == means.scalar_type(), "all inputs must share the means' dtype");
  TORCH_CHECK(!means.is_cuda(), "the CPU extension takes CPU tensors");
}

// ------------------------------------------------------------------------------------------------ projection

}  // namespace

std::vector<torch::Tensor> project_forward(torch::Tensor means, torch::Tensor quats, torch::Tensor log_scales,
                                           torch::Tensor logits, torch::Tensor sh, torch::Tensor R, torch::Tensor t,
                                           double fx, double fy, double cx, double cy, int64_t width, int64_t height,
                                           double near) {
  check_inputs(means, quats, log_scales, logits, sh);
  means = means.contiguous(); quats = quats.contiguous(); log_scales = log_scales.contiguous();
  logits = logits.contiguous().reshape({-1}); sh = sh.contiguous();
  int64_t n = means.size(0);
  auto opt = means.options();
  auto uv = torch::zeros({n, 2}, opt), depth = torch::zeros({n}, opt), conic = torch::zeros({n, 3}, opt);
  auto opacity = torch::zeros({n}, opt), colour = torch::zeros({n, 3}, opt), radius = torch::zeros({n}, opt);
  auto rect = torch::zeros({n, 4}, opt.dtype(torch::kInt32)), valid = torch::zeros({n}, opt.dtype(torch::kBool));
  int deg = sh_degree_of(sh);
  int K = int(sh.size(1));
  AT_DISPATCH_FLOATING_TYPES(means.scalar_type(), "project_forward", [&] {
    using S = scalar_t;
    Cam<S> cam = make_cam<S>(R, t, fx, fy, cx, cy, width, height, near);
    const S *m = means.data_ptr<S>(), *q = quats.data_ptr<S>(), *ls = log_scales.data_ptr<S>(), *lo = logits.data_ptr<S>(),
            *shp = sh.data_ptr<S>();
    S *o_uv = uv.data_ptr<S>(), *o_d = depth.data_ptr<S>(), *o_c = conic.data_ptr<S>(), *o_op = opacity.data_ptr<S>(),
      *o_col = colour.data_ptr<S>(), *o_r = radius.data_ptr<S>();
    int32_t* o_rect = rect.data_ptr<int32_t>();
    bool* o_v = valid.data_ptr<bool>();
    _Pragma("omp parallel for schedule(static)")
    for (int64_t i = 0; i < n; ++i) {
      Projected<S> p;
      project_one<S>(m + 3 * i, q + 4 * i, ls + 3 * i, lo[i], shp + 3 * K * i, deg, cam, p);
      o_uv[2 * i] = p.u; o_uv[2 * i + 1] = p.v; o_d[i] = p.depth;
      o_c[3 * i] = p.A; o_c[3 * i + 1] = p.B; o_c[3 * i + 2] = p.C;
      o_op[i] = p.opacity; o_r[i] = p.radius;
      for (int c = 0; c < 3; ++c) o_col[3 * i + c] = p.colour[c];
      for (int c = 0; c < 4; ++c) o_rect[4 * i + c] = p.rect[c];
      o_v[i] = p.valid;
    }
  });
  return {uv, depth, conic, opacity, colour, radius, rect, valid};
}

std::vector<torch::Tensor> project_backward(torch::Tensor means, torch::Tensor quats, torch::Tensor log_scales,
                                            torch::Tensor logits, torch::Tensor sh, torch::Tensor R, torch::Tensor t,
                                            double fx, double fy, double cx, double cy, int64_t width, int64_t height,
                                            double near, torch::Tensor valid, torch::Tensor g_uv, torch::Tensor g_conic,
                                            torch::Tensor g_opacity, torch::Tensor g_colour) {
  check_inputs(means, quats, log_scales, logits, sh);
  means = means.contiguous(); quats = quats.contiguous(); log_scales = log_scales.contiguous();
  auto logit_shape = logits.sizes().vec();
  logits = logits.contiguous().reshape({-1}); sh = sh.contiguous(); valid = valid.contiguous();
  g_uv = g_uv.contiguous(); g_conic = g_conic.contiguous(); g_opacity = g_opacity.contiguous(); g_colour = g_colour.contiguous();
  int64_t n = means.size(0);
  auto d_means = torch::zeros_like(means), d_quats = torch::zeros_like(quats), d_ls = torch::zeros_like(log_scales);
  auto d_logits = torch::zeros_like(logits), d_sh = torch::zeros_like(sh);
  int deg = sh_degree_of(sh);
  int K = int(sh.size(1));
  AT_DISPATCH_FLOATING_TYPES(means.scalar_type(), "project_backward", [&] {
    using S = scalar_t;
    Cam<S> cam = make_cam<S>(R, t, fx, fy, cx, cy, width, height, near);
    const S *m = means.data_ptr<S>(), *q = quats.data_ptr<S>(), *ls = log_scales.data_ptr<S>(), *lo = logits.data_ptr<S>(),
            *shp = sh.data_ptr<S>(), *guv = g_uv.data_ptr<S>(), *gcon = g_conic.data_ptr<S>(), *gop = g_opacity.data_ptr<S>(),
            *gcol = g_colour.data_ptr<S>();
    const bool* v = valid.data_ptr<bool>();
    S *dm = d_means.data_ptr<S>(), *dq = d_quats.data_ptr<S>(), *dls = d_ls.data_ptr<S>(), *dlo = d_logits.data_ptr<S>(),
      *dsh = d_sh.data_ptr<S>();
    _Pragma("omp parallel for schedule(static)")
    for (int64_t i = 0; i < n; ++i) {
      if (!v[i]) continue;
      project_one_backward<S>(m + 3 * i, q + 4 * i, ls + 3 * i, lo[i], shp + 3 * K * i, deg, cam, guv + 2 * i, gcon + 3 * i,
                              gop[i], gcol + 3 * i, dm + 3 * i, dq + 4 * i, dls + 3 * i, dlo + i, dsh + 3 * K * i);
    }
  });
  return {d_means, d_quats, d_ls, d_logits.reshape(logit_shape), d_sh};
}

// ------------------------------------------------------------------------------------------------ tile lists

/// Rows [y0, y1] (inclusive, may be empty) and columns of pixels whose centre lies within the alpha extent.
namespace {

template <typename S> struct Reach {
  int px0, px1, py0, py1;  // inclusive pixel bounds, image coordinates
};

template <typename S> Reach<S> reach_of(S u, S v, S A, S B, S C, S o) {
  S ex, ey;
  alpha_extent(A, B, C, o, &ex, &ey);
  Reach<S> r;
  if (!(ex >= S(0)) || !(ey >= S(0)) || !std::isfinite(ex) || !std::isfinite(ey)) {
    r.px0 = r.py0 = 0; r.px1 = r.py1 = -1;
    return r;
  }
  const S big = S(1 << 30);
  S x0 = std::ceil(u - ex - S(0.5)), x1 = std::floor(u + ex - S(0.5));
  S y0 = std::ceil(v - ey - S(0.5)), y1 = std::floor(v + ey - S(0.5));
  auto cl = [&](S a) { return int(std::max(-big, std::min(big, a))); };
  r.px0 = cl(x0); r.px1 = cl(x1); r.py0 = cl(y0); r.py1 = cl(y1);
  return r;
}

/// Floor division for possibly negative pixel indices.
inline int tile_of(int px) { return px >= 0 ? px / TILE : -((-px + TILE - 1) / TILE); }

// ------------------------------------------------------------------------------------------------ rasterisation

/// Sorts ids (ascending indices) by depth, ties by index, exactly as std::stable_sort would: a stable LSD radix sort in
/// 11-bit passes (3 for float, 6 for double) over the depths' bits, mapped so that unsigned order is numeric order.
template <typename S> void sort_by_depth(std::vector<int32_t>& ids, const S* depth) {
  typedef typename std::conditional<sizeof(S) == 4, uint32_t, uint64_t>::type K;
  constexpr K sign = K(1) << (8 * sizeof(K) - 1);
  const size_t m = ids.size();
  std::vector<K> key(m), key2(m);
  std::vector<int32_t> tmp(m);
  for (size_t j = 0; j < m; ++j) {
    K b;
    std::memcpy(&b, &depth[ids[j]], sizeof b);
    key[j] = (b & sign) ? ~b : (b | sign);
  }
  for (int shift = 0; shift < int(8 * sizeof(K)); shift += 11) {
    uint32_t count[2049] = {0};
    for (size_t j = 0; j < m; ++j) count[((key[j] >> shift) & 2047u) + 1]++;
    for (int b = 0; b < 2048; ++b) count[b + 1] += count[b];
    for (size_t j = 0; j < m; ++j) {
      uint32_t at = count[(key[j] >> shift) & 2047u]++;
      tmp[at] = ids[j];
      key2[at] = key[j];
    }
    ids.swap(tmp);
    key.swap(key2);
  }
}

/// A projected Gaussian as the tile loops read it: centre (u, v) px, conic (A, B, C), opacity o, the pixel rows
/// [py0, py1] its alpha extent can reach, and what row_reaches needs to bound that extent along one row.
template <typename S> struct Splat2D {
  S u, v, A, B, C, o;
  S invA, t2A, det;  // 1/A; 2 t A and A C - B^2 with t = ln(255 o) plus a margin, for row_reaches
  int py0, py1;      // inclusive pixel rows it can reach
};

/// The Gaussian's Splat2D record; its reach (rows and columns) in *reach when that is not null.
template <typename S> Splat2D<S> splat2d(S u, S v, S A, S B, S C, S o, Reach<S>* reach = nullptr) {
  Splat2D<S> g;
  g.u = u; g.v = v; g.A = A; g.B = B; g.C = C; g.o = o;
  const Reach<S> r = reach_of(u, v, A, B, C, o);
  if (reach) *reach = r;
  g.py0 = r.py0; g.py1 = r.py1;
  // alpha = o exp(-q/2) >= 1/255 where q = A dx^2 + 2 B dx dy + C dy^2 <= 2 t. The margin on t (and the pixel's margin
  // in row_reaches) makes the bound conservative against rounding, so a row it rejects has no lane the exact per-pixel
  // test would take: skipping it changes no output bit.
  const S t = std::log(S(255) * o) + S(1e-3);
  g.invA = S(1) / A; g.t2A = S(2) * t * A; g.det = A * C - B * B;
  return g;
}

/// Whether Gaussian g can reach a pixel centre x in [xlo, xhi] on the row at vertical offset dy = v - y_centre:
/// solving q(dx) <= 2t for dx = u - x gives x in u + (B dy -+ sqrt(2 t A - det dy^2)) / A, widened by a pixel. About a
/// third of the (Gaussian, tile row) pairs the rows' reach admits have no pixel above 1/255 (the ellipse's bounding box
/// is not the ellipse); this scalar test rejects them before the 16-lane exponentials.
template <typename S> inline bool row_reaches(const Splat2D<S>& g, S dy, S xlo, S xhi) {
  const S D = g.t2A - g.det * dy * dy;
  if (!(D >= S(0))) return !(g.det > S(0)) || !(g.A > S(0));  // degenerate conics are left to the exact test
  const S c = g.u + g.B * dy * g.invA, h = std::sqrt(D) * g.invA + S(1);
  return c + h >= xlo && c - h <= xhi;
}

template <typename S>
void rasterize_forward_impl(const S* uv, const S* conic, const S* opacity, const S* feat, int C, const S* depth,
                            const int32_t* rect, const bool* valid, int64_t n, int W, int H, const S* bg, S* image,
                            S* tfinal, std::vector<int32_t>& offsets, std::vector<int32_t>& lists, int32_t* last) {
  double t_start = omp_get_wtime();
  int tiles_x = (W + TILE - 1) / TILE, tiles_y = (H + TILE - 1) / TILE, n_tiles = tiles_x * tiles_y;
  // 1. reach, and the tiles each valid Gaussian touches (rect of the reference, narrowed to its alpha extent)
  std::vector<Splat2D<S>> g2(n);
  std::vector<int32_t> trect(4 * n, 0);
  std::vector<int32_t> ids;
  ids.reserve(n);
  for (int64_t i = 0; i < n; ++i)
    if (valid[i]) ids.push_back(int32_t(i));
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < int64_t(ids.size()); ++j) {
    int64_t i = ids[j];
    Splat2D<S>& g = g2[i];
    Reach<S> r;
    g = splat2d(uv[2 * i], uv[2 * i + 1], conic[3 * i], conic[3 * i + 1], conic[3 * i + 2], opacity[i], &r);
    int tx0 = std::max(rect[4 * i], tile_of(r.px0)), tx1 = std::min(rect[4 * i + 2], tile_of(r.px1) + 1);
    int ty0 = std::max(rect[4 * i + 1], tile_of(r.py0)), ty1 = std::min(rect[4 * i + 3], tile_of(r.py1) + 1);
    if (r.px1 < r.px0 || r.py1 < r.py0 || tx1 <= tx0 || ty1 <= ty0) tx0 = tx1 = ty0 = ty1 = 0;
    trect[4 * i] = tx0; trect[4 * i + 1] = ty0; trect[4 * i + 2] = tx1; trect[4 * i + 3] = ty1;
  }
  // 2. depth order, ties by index (the reference's stable sort)
  sort_by_depth(ids, depth);
  // 3. per-tile lists in that order: each thread counts, then fills, the tiles of its own run of the sorted ids, and
  //    a tile's entries from thread t follow those of threads before t, so every list stays in depth order
  offsets.assign(n_tiles + 1, 0);
  const int threads = omp_get_max_threads();
  std::vector<int32_t> fill(size_t(threads) * n_tiles, 0);  // [thread][tile]: count, then the thread's write cursor
  const int64_t m = int64_t(ids.size());
#pragma omp parallel num_threads(threads)
  {
    const int th = omp_get_thread_num(), nth = omp_get_num_threads();
    const int64_t j0 = m * th / nth, j1 = m * (th + 1) / nth;
    int32_t* mine = fill.data() + size_t(th) * n_tiles;
    for (int64_t j = j0; j < j1; ++j) {
      const int32_t* r = &trect[4 * int64_t(ids[j])];
      for (int ty = r[1]; ty < r[3]; ++ty)
        for (int tx = r[0]; tx < r[2]; ++tx) mine[ty * tiles_x + tx]++;
    }
#pragma omp barrier
#pragma omp single
    {
      for (int k = 0; k < n_tiles; ++k) {
        int32_t at = offsets[k];
        for (int t = 0; t < nth; ++t) {
          int32_t c = fill[size_t(t) * n_tiles + k];
          fill[size_t(t) * n_tiles + k] = at;
          at += c;
        }
        offsets[k + 1] = at;
      }
      lists.resize(offsets[n_tiles]);
    }
    for (int64_t j = j0; j < j1; ++j) {
      const int32_t i = ids[j];
      const int32_t* r = &trect[4 * int64_t(i)];
      for (int ty = r[1]; ty < r[3]; ++ty)
        for (int tx = r[0]; tx < r[2]; ++tx) lists[mine[ty * tiles_x + tx]++] = i;
    }
  }
  double t_bin = omp_get_wtime();
  int64_t rows_visited = 0;
  // 4. composite, front to back; per tile the pixel state is 16 rows of 16 lanes
  typedef Row<S> R;
  const R lane = lanes<S>(), zero = R{}, one = zero + S(1);
#pragma omp parallel reduction(+ : rows_visited)
  {
    std::vector<R> acc(size_t(C) * TILE);  // [C][16 rows]
    R T[TILE], lst[TILE], act[TILE];       // transmittance; rank (1-based) of the last contributor; 1 while compositing
    int row_active[TILE];
#pragma omp for schedule(dynamic, 1)
    for (int tile = 0; tile < n_tiles; ++tile) {
      int x0 = (tile % tiles_x) * TILE, y0 = (tile / tiles_x) * TILE;
      std::fill(acc.begin(), acc.end(), zero);
      const R in_x = (lane + S(x0)) < S(W) ? one : zero;
      int active = 0;
      for (int ry = 0; ry < TILE; ++ry) {
        T[ry] = one; lst[ry] = zero;
        act[ry] = y0 + ry < H ? in_x : zero;
        row_active[ry] = __builtin_popcount(lane_bits<S>(act[ry]));
        active += row_active[ry];
      }
      const R px = lane + (S(x0) + S(0.5));
      int beg = offsets[tile], end = offsets[tile + 1];
      for (int k = beg; k < end && active > 0; ++k) {
        // the records are visited in depth order, scattered over the array: ask for the one eight ahead now
        if (k + 8 < end) __builtin_prefetch(&g2[lists[k + 8]]);
        const Splat2D<S>& g = g2[lists[k]];
        const S gA = g.A, gB = g.B, gC = g.C, go = g.o, srank = S(k - beg + 1);
        const R dx = g.u - px;
        const R dxx = S(-0.5) * gA * dx * dx;
        int r0 = std::max(g.py0 - y0, 0), r1 = std::min(g.py1 - y0, TILE - 1);
        const S* f = feat + int64_t(lists[k]) * C;
        const S xlo = S(x0) + S(0.5), xhi = S(x0) + S(TILE - 0.5);
        for (int ry = r0; ry <= r1; ++ry) {
          if (row_active[ry] == 0) continue;
          const S dy = g.v - (S(y0 + ry) + S(0.5));
          if (!row_reaches(g, dy, xlo, xhi)) continue;
          ++rows_visited;
          R power = dxx - S(0.5) * gC * dy * dy - gB * dx * dy;
          R a = go * vexp<S>(power < zero ? power : zero);
          a = a < S(ALPHA_MAX) ? a : zero + S(ALPHA_MAX);
          R ok = (power <= zero) & (a >= S(ALPHA_MIN)) ? act[ry] : zero;
          R t0 = T[ry];
          R tt = t0 * (S(1) - a);
          R stop = tt < S(T_STOP) ? ok : zero;
          R con = ok - stop;
          R w = con * a * t0;
          T[ry] = con > zero ? tt : t0;
          lst[ry] = con > zero ? zero + srank : lst[ry];
          if (uint32_t stopped = lane_bits<S>(stop)) {
            act[ry] = act[ry] - stop;
            int stops = __builtin_popcount(stopped);
            row_active[ry] -= stops;
            active -= stops;
          }
          for (int c = 0; c < C; ++c) acc[c * TILE + ry] += w * f[c];
        }
      }
      for (int ry = 0; ry < TILE; ++ry) {
        int py = y0 + ry;
        for (int x = 0; x < TILE; ++x) {
          int pxi = x0 + x;
          last[int64_t(tile) * P + ry * TILE + x] = int32_t(lst[ry][x]);
          if (pxi >= W || py >= H) continue;
          int64_t o = int64_t(py) * W + pxi;
          tfinal[o] = T[ry][x];
          for (int c = 0; c < C; ++c) image[int64_t(c) * H * W + o] = acc[c * TILE + ry][x] + (c < 3 ? T[ry][x] * bg[c] : S(0));
        }
      }
    }
  }
  if (std::getenv("NPGA_SPLAT_PROFILE"))
    fprintf(stderr, "raster fwd: binning %.1f ms, compositing %.1f ms, %lld (Gaussian, row) visits\n", 1e3 * (t_bin - t_start),
            1e3 * (omp_get_wtime() - t_bin), (long long)rows_visited);
}

template <typename S>
void rasterize_backward_impl(const S* uv, const S* conic, const S* opacity, const S* feat, int C, int64_t n, int W, int H,
                             const S* bg, const int32_t* offsets, const int32_t* lists, const int32_t* last,
                             const S* tfinal, const S* g_image, const S* g_tfinal, S* d_uv, S* d_conic, S* d_opacity,
                             S* d_feat) {
  int tiles_x = (W + TILE - 1) / TILE, tiles_y = (H + TILE - 1) / TILE, n_tiles = tiles_x * tiles_y;
  const int G = 6 + C;  // per-Gaussian gradient row: u, v, A, B, C, opacity, features
  int threads = omp_get_max_threads();
  std::vector<S> buf(size_t(threads) * n * G, S(0));
  std::vector<Splat2D<S>> g2(n);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i)
    g2[i] = splat2d(uv[2 * i], uv[2 * i + 1], conic[3 * i], conic[3 * i + 1], conic[3 * i + 2], opacity[i]);
  typedef Row<S> R;
  const R lane = lanes<S>(), zero = R{}, one = zero + S(1);
#pragma omp parallel
  {
    S* mine = buf.data() + size_t(omp_get_thread_num()) * n * G;
    // per pixel, walking back: T (transmittance before the current Gaussian), Sacc (colour composited behind it,
    // relative to T after it), dpix (dL/dpixel), and the constant part of dL/dalpha from T_final
    std::vector<R> Sacc(size_t(C) * TILE), dpix(size_t(C) * TILE), fg(C);
    R T[TILE], tfin[TILE], bgd[TILE], lst[TILE];
    S row_last[TILE];  // the row's largest last-contributor rank: Gaussians ranked above it touch no pixel of the row
#pragma omp for schedule(dynamic, 1)
    for (int tile = 0; tile < n_tiles; ++tile) {
      int x0 = (tile % tiles_x) * TILE, y0 = (tile / tiles_x) * TILE;
      int kmax = 0;
      for (int ry = 0; ry < TILE; ++ry) {
        int py = y0 + ry;
        R b = zero;
        for (int c = 0; c < C; ++c) dpix[c * TILE + ry] = Sacc[c * TILE + ry] = zero;
        for (int x = 0; x < TILE; ++x) {
          int pxi = x0 + x;
          bool in = pxi < W && py < H;
          int64_t o = int64_t(py) * W + pxi;
          int l = in ? last[int64_t(tile) * P + ry * TILE + x] : 0;
          lst[ry][x] = S(l);
          kmax = std::max(kmax, l);
          T[ry][x] = tfin[ry][x] = in ? tfinal[o] : S(1);
          S bb = in && g_tfinal ? g_tfinal[o] : S(0);
          for (int c = 0; c < C; ++c) {
            S gv = in ? g_image[int64_t(c) * H * W + o] : S(0);
            dpix[c * TILE + ry][x] = gv;
            if (c < 3) bb += bg[c] * gv;
          }
          b[x] = bb;
        }
        bgd[ry] = b;
        row_last[ry] = S(0);
        for (int x = 0; x < TILE; ++x) row_last[ry] = std::max(row_last[ry], lst[ry][x]);
      }
      const R px = lane + (S(x0) + S(0.5));
      const S xlo = S(x0) + S(0.5), xhi = S(x0) + S(TILE - 0.5);
      int beg = offsets[tile];
      for (int k = beg + kmax - 1; k >= beg; --k) {
        int32_t gi = lists[k];
        if (k - 8 >= beg) {
          __builtin_prefetch(&g2[lists[k - 8]]);
          __builtin_prefetch(feat + int64_t(lists[k - 8]) * C);
        }
        const Splat2D<S>& g = g2[gi];
        const S A = g.A, B = g.B, Cc = g.C, o = g.o, srank = S(k - beg + 1);
        const S* f = feat + int64_t(gi) * C;
        const R dx = g.u - px;
        const R dxx = S(-0.5) * A * dx * dx;
        int r0 = std::max(g.py0 - y0, 0), r1 = std::min(g.py1 - y0, TILE - 1);
        R su = zero, sv = zero, sA = zero, sB = zero, sC = zero, so = zero;
        for (int c = 0; c < C; ++c) fg[c] = zero;
        for (int ry = r0; ry <= r1; ++ry) {
          if (srank > row_last[ry]) continue;
          const S dy = g.v - (S(y0 + ry) + S(0.5));
          if (!row_reaches(g, dy, xlo, xhi)) continue;
          R power = dxx - S(0.5) * Cc * dy * dy - B * dx * dy;
          R Gx = vexp<S>(power < zero ? power : zero);
          R araw = o * Gx;
          R a = araw < S(ALPHA_MAX) ? araw : zero + S(ALPHA_MAX);
          R ok = (power <= zero) & (a >= S(ALPHA_MIN)) & (lst[ry] >= srank) ? one : zero;
          if (lane_bits<S>(ok) == 0) continue;
          R am = ok * a;
          R one_minus = S(1) - am;
          R inv = S(1) / one_minus;
          R tb = T[ry] * inv;  // T before this Gaussian
          R wt = am * tb;            // its weight in the pixel
          R dot = zero;
          for (int c = 0; c < C; ++c) {
            R& sa = Sacc[c * TILE + ry];
            const R dp = dpix[c * TILE + ry];
            fg[c] += wt * dp;
            dot += dp * (f[c] - sa);
            sa = f[c] * am + one_minus * sa;
          }
          R da = tb * dot - tfin[ry] * inv * bgd[ry];
          // no gradient through alpha where the 0.99 clamp holds (as torch.clamp_max)
          R Gm = araw <= S(ALPHA_MAX) ? ok * Gx : zero;
          R dpow = Gm * o * da;
          su += dpow * -(A * dx + B * dy);
          sv += dpow * -(Cc * dy + B * dx);
          sA += dpow * S(-0.5) * dx * dx;
          sB += dpow * -(dx * dy);
          sC += dpow * (S(-0.5) * dy * dy);
          so += Gm * da;
          T[ry] = tb;
        }
        S* row = mine + int64_t(gi) * G;
        row[0] += hsum<S>(su); row[1] += hsum<S>(sv); row[2] += hsum<S>(sA); row[3] += hsum<S>(sB); row[4] += hsum<S>(sC);
        row[5] += hsum<S>(so);
        for (int c = 0; c < C; ++c) row[6 + c] += hsum<S>(fg[c]);
      }
    }
  }
  // sum the per-thread buffers
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    S r[64 + 6];
    for (int j = 0; j < G; ++j) r[j] = S(0);
    for (int th = 0; th < threads; ++th) {
      const S* b = buf.data() + (size_t(th) * n + i) * G;
      for (int j = 0; j < G; ++j) r[j] += b[j];
    }
    d_uv[2 * i] = r[0]; d_uv[2 * i + 1] = r[1];
    d_conic[3 * i] = r[2]; d_conic[3 * i + 1] = r[3]; d_conic[3 * i + 2] = r[4];
    d_opacity[i] = r[5];
    for (int c = 0; c < C; ++c) d_feat[i * C + c] = r[6 + c];
  }
}

}  // namespace

std::vector<torch::Tensor> rasterize_forward(torch::Tensor uv, torch::Tensor conic, torch::Tensor opacity,
                                             torch::Tensor features, torch::Tensor depth, torch::Tensor rect,
                                             torch::Tensor valid, int64_t width, int64_t height, torch::Tensor background) {
  int64_t n = uv.size(0);
  TORCH_CHECK(features.dim() == 2 && features.size(0) == n, "features must be [N,C]");
  int C = int(features.size(1));
  TORCH_CHECK(C >= 3 && C <= 64, "features must have 3..64 channels (colour first)");
  TORCH_CHECK(rect.scalar_type() == torch::kInt32 && valid.scalar_type() == torch::kBool, "rect int32, valid bool");
  uv = uv.contiguous(); conic = conic.contiguous(); opacity = opacity.contiguous().reshape({-1});
  features = features.contiguous(); depth = depth.contiguous(); rect = rect.contiguous(); valid = valid.contiguous();
  auto opt = uv.options();
  int W = int(width), H = int(height);
  int n_tiles = ((W + TILE - 1) / TILE) * ((H + TILE - 1) / TILE);
  auto image = torch::empty({C, H, W}, opt), tfinal = torch::empty({H, W}, opt);
  auto last = torch::empty({int64_t(n_tiles) * P}, opt.dtype(torch::kInt32));
  std::vector<int32_t> offsets, lists;
  AT_DISPATCH_FLOATING_TYPES(uv.scalar_type(), "rasterize_forward", [&] {
    using S = scalar_t;
    auto bgt = background.to(uv.scalar_type()).contiguous();
    rasterize_forward_impl<S>(uv.data_ptr<S>(), conic.data_ptr<S>(), opacity.data_ptr<S>(), features.data_ptr<S>(), C,
                              depth.data_ptr<S>(), rect.data_ptr<int32_t>(), valid.data_ptr<bool>(), n, W, H,
                              bgt.data_ptr<S>(), image.data_ptr<S>(), tfinal.data_ptr<S>(), offsets, lists,
                              last.data_ptr<int32_t>());
  });
  auto off_t = torch::from_blob(offsets.data(), {int64_t(offsets.size())}, torch::kInt32).clone();
  auto list_t = torch::from_blob(lists.data(), {int64_t(lists.size())}, torch::kInt32).clone();
  return {image, tfinal, off_t, list_t, last};
}

std::vector<torch::Tensor> rasterize_backward(torch::Tensor uv, torch::Tensor conic, torch::Tensor opacity,
                                              torch::Tensor features, torch::Tensor background, torch::Tensor offsets,
                                              torch::Tensor lists, torch::Tensor last, torch::Tensor tfinal,
                                              torch::Tensor g_image, c10::optional<torch::Tensor> g_tfinal) {
  uv = uv.contiguous(); conic = conic.contiguous(); opacity = opacity.contiguous().reshape({-1});
  features = features.contiguous(); tfinal = tfinal.contiguous(); g_image = g_image.contiguous();
  int64_t n = uv.size(0);
  int C = int(features.size(1));
  int H = int(tfinal.size(0)), W = int(tfinal.size(1));
  auto d_uv = torch::zeros_like(uv), d_conic = torch::zeros_like(conic), d_op = torch::zeros_like(opacity),
       d_feat = torch::zeros_like(features);
  torch::Tensor gt;
  if (g_tfinal.has_value() && g_tfinal->defined()) gt = g_tfinal->contiguous();
  AT_DISPATCH_FLOATING_TYPES(uv.scalar_type(), "rasterize_backward", [&] {
    using S = scalar_t;
    auto bgt = background.to(uv.scalar_type()).contiguous();
    rasterize_backward_impl<S>(uv.data_ptr<S>(), conic.data_ptr<S>(), opacity.data_ptr<S>(), features.data_ptr<S>(), C, n,
                               W, H, bgt.data_ptr<S>(), offsets.data_ptr<int32_t>(), lists.data_ptr<int32_t>(),
                               last.data_ptr<int32_t>(), tfinal.data_ptr<S>(), g_image.data_ptr<S>(),
                               gt.defined() ? gt.data_ptr<S>() : nullptr, d_uv.data_ptr<S>(), d_conic.data_ptr<S>(),
                               d_op.data_ptr<S>(), d_feat.data_ptr<S>());
  });
  return {d_uv, d_conic, d_op, d_feat};
}
