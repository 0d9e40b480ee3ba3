// The per-Gaussian MLPs of NPGA (the deformation prior F, eq. 4, and the detail network G, eq. 5), forward and
// backward on the CPU: the matrix products by oneDNN's sgemm (JIT kernels for the machine's vector width; PyTorch
// 1.13's CPU matmul goes through the generic BLAS, 5-8x slower on these tall, narrow products), bias, activation and
// its derivative fused into one OpenMP pass per layer. float32 only (the Python side falls back to torch for others).
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include "cpu_ops.h"
#include "cpu_rows.h"

namespace {

using npga::Row;
using npga::rload;
using npga::rstore;
using npga::vexp;
typedef Row<float> R;

/// C [M,N] = alpha op(A) op(B) + beta C, row-major, through dnnl_sgemm; throws on a oneDNN error.
void gemm(char ta, char tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
          float beta, float* C, int64_t ldc) {
  dnnl_status_t st = dnnl_sgemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
  TORCH_CHECK(st == dnnl_success, "dnnl_sgemm failed with status ", int(st));
}

/// sigmoid of a row, stable for any sign: e = exp(-|a|), s = 1/(1+e) for a >= 0, e/(1+e) otherwise.
inline R sigmoid(R a) {
  R zero = R{};
  R neg = a < zero ? a : -a;
  R e = vexp<float>(neg);
  R inv = 1.0f / (1.0f + e);
  return a >= zero ? inv : e * inv;
}

/// h = act(a + b) in place of a (a keeps the pre-activation when keep_pre), rows of H floats, H % 16 == 0.
void bias_act(float* a, float* h, const float* b, int64_t n, int64_t H, int act) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < H; j += 16) {
      R v = rload<float>(a + i * H + j) + rload<float>(b + j);
      rstore<float>(a + i * H + j, v);
      R out = act == 0 ? v * sigmoid(v) : (v > R{} ? v : R{});
      rstore<float>(h + i * H + j, out);
    }
  }
}

/// g *= act'(a) (SiLU: s (1 + a (1 - s)); ReLU: a > 0), rows of H floats.
void act_backward(float* g, const float* a, int64_t n, int64_t H, int act) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < H; j += 16) {
      R v = rload<float>(a + i * H + j);
      R d;
      if (act == 0) {
        R s = sigmoid(v);
        d = s * (1.0f + v * (1.0f - s));
      } else {
        d = v > R{} ? R{} + 1.0f : R{};
      }
      rstore<float>(g + i * H + j, rload<float>(g + i * H + j) * d);
    }
  }
}

/// Column sums of g [n, m] into out [m] (per-thread partial sums, then added).
void column_sums(const float* g, int64_t n, int64_t m, float* out) {
  int threads = omp_get_max_threads();
  std::vector<double> part(size_t(threads) * m, 0.0);
#pragma omp parallel
  {
    double* p = part.data() + size_t(omp_get_thread_num()) * m;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) p[j] += g[i * m + j];
  }
  for (int64_t j = 0; j < m; ++j) {
    double s = 0.0;
    for (int t = 0; t < threads; ++t) s += part[size_t(t) * m + j];
    out[j] = float(s);
  }
}

void check_layers(const torch::Tensor& x, const std::vector<torch::Tensor>& weights, const std::vector<torch::Tensor>& biases) {
  TORCH_CHECK(x.scalar_type() == torch::kFloat32 && !x.is_cuda() && x.dim() == 2, "x must be a CPU float32 [N,Din] tensor");
  TORCH_CHECK(!weights.empty() && (biases.empty() || biases.size() == weights.size()), "one bias per weight");
  int64_t in = x.size(1);
  for (size_t l = 0; l < weights.size(); ++l) {
    const auto& w = weights[l];
    TORCH_CHECK(w.scalar_type() == torch::kFloat32 && w.dim() == 2 && w.size(1) == in, "layer ", l, ": weight must be float32 [out,", in,
                "], got ", w.sizes());
    if (l + 1 < weights.size()) TORCH_CHECK(w.size(0) % 16 == 0, "hidden widths must be multiples of 16, got ", w.size(0));
    in = w.size(0);
  }
}

}  // namespace

std::vector<torch::Tensor> mlp_forward(torch::Tensor x, std::vector<torch::Tensor> weights,
                                       std::vector<torch::Tensor> biases, int64_t act) {
  check_layers(x, weights, biases);
  x = x.contiguous();
  for (auto& w : weights) w = w.contiguous();
  for (auto& b : biases) b = b.contiguous();
  int64_t n = x.size(0);
  std::vector<torch::Tensor> out(1);
  torch::Tensor in = x;
  size_t L = weights.size();
  for (size_t l = 0; l < L; ++l) {
    int64_t o = weights[l].size(0), k = weights[l].size(1);
    auto a = torch::empty({n, o}, x.options());
    if (n > 0) gemm('N', 'T', n, o, k, in.data_ptr<float>(), k, weights[l].data_ptr<float>(), k, 0.0f, a.data_ptr<float>(), o);
    if (l + 1 < L) {
      auto h = torch::empty_like(a);
      bias_act(a.data_ptr<float>(), h.data_ptr<float>(), biases[l].data_ptr<float>(), n, o, int(act));
      out.push_back(a);
      out.push_back(h);
      in = h;
    } else {
      if (!biases.empty()) a.add_(biases[l]);
      out[0] = a;
    }
  }
  return out;
}

std::vector<torch::Tensor> mlp_backward(torch::Tensor grad_y, torch::Tensor x, std::vector<torch::Tensor> weights,
                                        std::vector<torch::Tensor> saved, int64_t act) {
  check_layers(x, weights, {});
  size_t L = weights.size();
  TORCH_CHECK(saved.size() == 2 * (L - 1), "saved must hold (a, h) per hidden layer");
  grad_y = grad_y.contiguous().to(torch::kFloat32);
  x = x.contiguous();
  for (auto& w : weights) w = w.contiguous();
  int64_t n = x.size(0);
  std::vector<torch::Tensor> gW(L), gb(L);
  torch::Tensor g = grad_y;  // dL/d(pre-activation) of layer l
  torch::Tensor gx;
  for (size_t l = L; l-- > 0;) {
    int64_t o = weights[l].size(0), k = weights[l].size(1);
    const torch::Tensor& in = l == 0 ? x : saved[2 * (l - 1) + 1];
    gW[l] = torch::zeros({o, k}, x.options());
    gb[l] = torch::zeros({o}, x.options());
    if (n > 0) {
      gemm('T', 'N', o, k, n, g.data_ptr<float>(), o, in.data_ptr<float>(), k, 0.0f, gW[l].data_ptr<float>(), k);
      column_sums(g.data_ptr<float>(), n, o, gb[l].data_ptr<float>());
    }
    auto gin = torch::empty({n, k}, x.options());
    if (n > 0) gemm('N', 'N', n, k, o, g.data_ptr<float>(), o, weights[l].data_ptr<float>(), k, 0.0f, gin.data_ptr<float>(), k);
    if (l > 0) {
      act_backward(gin.data_ptr<float>(), saved[2 * (l - 1)].data_ptr<float>(), n, k, int(act));
      g = gin;
    } else {
      gx = gin;
    }
  }
  std::vector<torch::Tensor> res{gx};
  for (size_t l = 0; l < L; ++l) {
    res.push_back(gW[l]);
    res.push_back(gb[l]);
  }
  return res;
}
