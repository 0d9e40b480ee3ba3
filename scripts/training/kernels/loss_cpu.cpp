// The photometric term of NPGA eq. 10 on the CPU, loss and gradient in one pass:
//   L = (1 - lambda) mean|pred - gt| + lambda (1 - mean SSIM(pred, gt))
// SSIM as the 3DGS reference (losses.ssim_map): per channel, Gaussian-weighted local means, variances and covariance
// (window 11, sigma 1.5, zero padding), C1 = 0.01^2, C2 = 0.03^2, averaged over channels and pixels. The Gaussian
// window is separable, so each weighted sum is a horizontal then a vertical 11-tap pass (22 taps, not 121).
//
// Gradient (per channel, per pixel; E[.] the windowed means, S = A1 A2 / (B1 B2) with A1 = 2 mx my + C1,
// A2 = 2 sxy + C2, B1 = mx^2 + my^2 + C1, B2 = sxx + syy + C2, sxx = E[x^2] - mx^2, sxy = E[xy] - mx my):
//   dS/dmx = 2 my (A2 - A1) / (B1 B2) - 2 mx S / B1 + 2 mx S / B2, dS/dE[x^2] = -S / B2, dS/dE[xy] = 2 A1 / (B1 B2),
//   dL/dx = blur(g dS/dmx) + 2 x blur(g dS/dE[x^2]) + y blur(g dS/dE[xy]),  g = -lambda / (3 H W)
// (the window is symmetric, so the adjoint of the zero-padded blur is the blur itself).
#include <omp.h>

#include <cmath>
#include <vector>

#include "cpu_ops.h"

namespace {

constexpr int RADIUS = 5;

template <typename S> std::vector<S> window() {
  std::vector<S> g(2 * RADIUS + 1);
  double sum = 0;
  for (int k = -RADIUS; k <= RADIUS; ++k) sum += std::exp(-double(k * k) / (2 * 1.5 * 1.5));
  for (int k = -RADIUS; k <= RADIUS; ++k) g[k + RADIUS] = S(std::exp(-double(k * k) / (2 * 1.5 * 1.5)) / sum);
  return g;
}

/// out = the separable zero-padded Gaussian blur of one H x W plane; tmp: H x W scratch.
template <typename S> void blur(const S* in, S* out, S* tmp, int H, int W, const std::vector<S>& g) {
#pragma omp parallel
  {
    std::vector<S> row(W + 2 * RADIUS, S(0));
#pragma omp for schedule(static)
    for (int y = 0; y < H; ++y) {
      std::copy(in + int64_t(y) * W, in + int64_t(y + 1) * W, row.begin() + RADIUS);
      S* o = tmp + int64_t(y) * W;
      for (int x = 0; x < W; ++x) o[x] = S(0);
      for (int k = 0; k <= 2 * RADIUS; ++k) {
        const S gk = g[k];
        const S* r = row.data() + k;
#pragma omp simd
        for (int x = 0; x < W; ++x) o[x] += gk * r[x];
      }
    }
#pragma omp for schedule(static)
    for (int y = 0; y < H; ++y) {
      S* o = out + int64_t(y) * W;
      for (int x = 0; x < W; ++x) o[x] = S(0);
      for (int k = 0; k <= 2 * RADIUS; ++k) {
        int yy = y + k - RADIUS;
        if (yy < 0 || yy >= H) continue;
        const S gk = g[k];
        const S* r = tmp + int64_t(yy) * W;
#pragma omp simd
        for (int x = 0; x < W; ++x) o[x] += gk * r[x];
      }
    }
  }
}

template <typename S> S photometric_impl(const S* pred, const S* gt, S* grad, int H, int W, double lambda) {
  const int64_t HW = int64_t(H) * W;
  const std::vector<S> g = window<S>();
  const S C1 = S(0.01 * 0.01), C2 = S(0.03 * 0.03);
  const S gs = S(-lambda / (3.0 * double(HW)));    // dL/dS per pixel and channel
  const S gl = S((1.0 - lambda) / (3.0 * double(HW)));  // dL/d|pred - gt|
  std::vector<S> prod(HW), mx(HW), my(HW), exx(HW), eyy(HW), exy(HW), tmp(HW), d1(HW), d2(HW), d3(HW);
  double l1 = 0.0, ssim = 0.0;
  for (int c = 0; c < 3; ++c) {
    const S* x = pred + c * HW;
    const S* y = gt + c * HW;
    S* gr = grad + c * HW;
    blur(x, mx.data(), tmp.data(), H, W, g);
    blur(y, my.data(), tmp.data(), H, W, g);
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < HW; ++i) prod[i] = x[i] * x[i];
    blur(prod.data(), exx.data(), tmp.data(), H, W, g);
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < HW; ++i) prod[i] = y[i] * y[i];
    blur(prod.data(), eyy.data(), tmp.data(), H, W, g);
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < HW; ++i) prod[i] = x[i] * y[i];
    blur(prod.data(), exy.data(), tmp.data(), H, W, g);
#pragma omp parallel for simd schedule(static) reduction(+ : ssim, l1)
    for (int64_t i = 0; i < HW; ++i) {
      S ux = mx[i], uy = my[i];
      S sxx = exx[i] - ux * ux, syy = eyy[i] - uy * uy, sxy = exy[i] - ux * uy;
      S A1 = S(2) * ux * uy + C1, A2 = S(2) * sxy + C2, B1 = ux * ux + uy * uy + C1, B2 = sxx + syy + C2;
      S s = (A1 * A2) / (B1 * B2);
      ssim += double(s);
      // written without dividing by A1 or A2, which can be 0 (then S = 0 and S / A2 would be 0/0)
      const S inv = S(1) / (B1 * B2);
      d1[i] = gs * (S(2) * uy * (A2 - A1) * inv - S(2) * ux * s / B1 + S(2) * ux * s / B2);
      d2[i] = gs * -s / B2;
      d3[i] = gs * S(2) * A1 * inv;
      S diff = x[i] - y[i];
      l1 += double(diff < S(0) ? -diff : diff);
    }
    blur(d1.data(), mx.data(), tmp.data(), H, W, g);
    blur(d2.data(), exx.data(), tmp.data(), H, W, g);
    blur(d3.data(), exy.data(), tmp.data(), H, W, g);
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < HW; ++i) {
      S diff = x[i] - y[i];
      S sgn = diff > S(0) ? S(1) : (diff < S(0) ? S(-1) : S(0));
      gr[i] = mx[i] + S(2) * x[i] * exx[i] + y[i] * exy[i] + gl * sgn;
    }
  }
  return S((1.0 - lambda) * l1 / (3.0 * double(HW)) + lambda * (1.0 - ssim / (3.0 * double(HW))));
}

}  // namespace

std::vector<torch::Tensor> photometric_forward(torch::Tensor pred, torch::Tensor gt, double lambda_ssim) {
  TORCH_CHECK(pred.dim() == 3 && pred.size(0) == 3 && pred.sizes() == gt.sizes(), "pred and gt must be [3,H,W] of one shape");
  TORCH_CHECK(!pred.is_cuda() && pred.scalar_type() == gt.scalar_type(), "CPU tensors of one dtype");
  pred = pred.contiguous();
  gt = gt.contiguous();
  int H = int(pred.size(1)), W = int(pred.size(2));
  auto grad = torch::empty_like(pred);
  torch::Tensor loss;
  AT_DISPATCH_FLOATING_TYPES(pred.scalar_type(), "photometric_forward", [&] {
    scalar_t v = photometric_impl<scalar_t>(pred.data_ptr<scalar_t>(), gt.data_ptr<scalar_t>(), grad.data_ptr<scalar_t>(), H,
                                            W, lambda_ssim);
    loss = torch::full({}, v, pred.options());
  });
  return {loss, grad};
}

// ---- NPGA eq. 11's Laplacian smoothness on the kNN graph of the canonical centres:
//   L = mean_i || v_i - mean_{j in nbr(i)} v_j ||^2,  dL/dv_i += 2 r_i / N,  dL/dv_j -= 2 r_i / (N k) for j in nbr(i)
// (r_i the residual); the scatter to the neighbours goes to per-thread buffers, summed at the end.
namespace {

template <typename S> double laplacian_impl(const S* v, const int64_t* nb, S* g, int64_t n, int64_t C, int64_t k) {
  const int threads = omp_get_max_threads();
  std::vector<S> part(size_t(threads) * n * C, S(0));
  double total = 0.0;
  const S scale = S(2.0 / double(std::max<int64_t>(n, 1)));
#pragma omp parallel reduction(+ : total)
  {
    S* mine = part.data() + size_t(omp_get_thread_num()) * n * C;
    std::vector<S> r(C);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t c = 0; c < C; ++c) r[c] = S(0);
      for (int64_t j = 0; j < k; ++j) {
        const S* vj = v + nb[i * k + j] * C;
        for (int64_t c = 0; c < C; ++c) r[c] += vj[c];
      }
      double sq = 0.0;
      for (int64_t c = 0; c < C; ++c) {
        r[c] = v[i * C + c] - r[c] / S(k);
        sq += double(r[c]) * double(r[c]);
        mine[i * C + c] += scale * r[c];
      }
      total += sq;
      for (int64_t j = 0; j < k; ++j) {
        S* gj = mine + nb[i * k + j] * C;
        for (int64_t c = 0; c < C; ++c) gj[c] -= scale * r[c] / S(k);
      }
    }
  }
#pragma omp parallel for schedule(static)
  for (int64_t e = 0; e < n * C; ++e) {
    S s = S(0);
    for (int t = 0; t < threads; ++t) s += part[size_t(t) * n * C + e];
    g[e] = s;
  }
  return total / double(std::max<int64_t>(n, 1));
}

}  // namespace

std::vector<torch::Tensor> laplacian_forward(torch::Tensor values, torch::Tensor nbr) {
  TORCH_CHECK(values.dim() == 2 && nbr.dim() == 2 && nbr.size(0) == values.size(0), "values [N,C], nbr [N,k]");
  TORCH_CHECK(!values.is_cuda() && nbr.scalar_type() == torch::kLong, "CPU values, int64 neighbour indices");
  values = values.contiguous();
  nbr = nbr.contiguous();
  if (nbr.numel() > 0) {
    auto mm = torch::aminmax(nbr);
    TORCH_CHECK(std::get<0>(mm).item<int64_t>() >= 0 && std::get<1>(mm).item<int64_t>() < values.size(0),
                "neighbour indices must lie in [0, N)");
  }
  auto grad = torch::zeros_like(values);
  torch::Tensor loss;
  AT_DISPATCH_FLOATING_TYPES(values.scalar_type(), "laplacian_forward", [&] {
    double l = laplacian_impl<scalar_t>(values.data_ptr<scalar_t>(), nbr.data_ptr<int64_t>(), grad.data_ptr<scalar_t>(),
                                        values.size(0), values.size(1), nbr.size(1));
    loss = torch::full({}, scalar_t(l), values.options());
  });
  return {loss, grad};
}
