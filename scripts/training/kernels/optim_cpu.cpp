// Adam's update for the trainer's parameters in one vectorised OpenMP pass per tensor (torch 1.13's CPU Adam makes
// five to seven passes over every tensor, one per elementwise operator: 14 ms a step at 50k Gaussians with SH degree
// 3, most of it memory traffic). Same arithmetic, operation for operation, as torch.optim.Adam's single-tensor path
// (torch/optim/adam.py, _single_tensor_adam, without weight decay, amsgrad or maximize):
//   m = m * b1 + g * (1 - b1);  v = v * b2 + g * g * (1 - b2)
//   p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
#include <omp.h>

#include <cmath>

#include "cpu_ops.h"

void adam_step(std::vector<torch::Tensor> params, std::vector<torch::Tensor> grads, std::vector<torch::Tensor> exp_avgs,
               std::vector<torch::Tensor> exp_avg_sqs, double step, double lr, double beta1, double beta2, double eps) {
  const size_t n = params.size();
  TORCH_CHECK(grads.size() == n && exp_avgs.size() == n && exp_avg_sqs.size() == n, "adam_step: one grad, exp_avg and exp_avg_sq per parameter");
  TORCH_CHECK(step >= 1, "adam_step: step counts from 1");
  // the scalars as torch computes them: Python floats (double), then used as float32 operands
  const double bc1 = 1 - std::pow(beta1, step), bc2_sqrt = std::sqrt(1 - std::pow(beta2, step));
  const float b1 = float(beta1), one_b1 = float(1 - beta1), b2 = float(beta2), one_b2 = float(1 - beta2);
  const float step_size = float(lr / bc1), bc2s = float(bc2_sqrt), e = float(eps);
  for (size_t k = 0; k < n; ++k) {
    auto &p = params[k], &g = grads[k], &m = exp_avgs[k], &v = exp_avg_sqs[k];
    TORCH_CHECK(p.scalar_type() == torch::kFloat32 && !p.is_cuda() && p.is_contiguous(), "adam_step: parameter ", k, " must be a contiguous CPU float32 tensor");
    for (const torch::Tensor* t : {&g, &m, &v})
      TORCH_CHECK(t->scalar_type() == torch::kFloat32 && t->is_contiguous() && t->numel() == p.numel(), "adam_step: tensor ", k,
                  " must be contiguous float32 with the parameter's size");
    float *pp = p.data_ptr<float>(), *mp = m.data_ptr<float>(), *vp = v.data_ptr<float>();
    const float* gp = g.data_ptr<float>();
    const int64_t len = p.numel();
#pragma omp parallel for simd schedule(static) if (len > 32768)
    for (int64_t i = 0; i < len; ++i) {
      const float gi = gp[i];
      const float mi = mp[i] * b1 + gi * one_b1;
      const float vi = vp[i] * b2 + gi * gi * one_b2;
      mp[i] = mi;
      vp[i] = vi;
      pp[i] = pp[i] + -step_size * (mi / (std::sqrt(vi) / bc2s + e));
    }
  }
}

bool all_finite(std::vector<torch::Tensor> tensors) {
  for (const auto& t : tensors) {
    if (t.scalar_type() != torch::kFloat32 || t.is_cuda() || !t.is_contiguous()) {
      if (!torch::isfinite(t).all().item<bool>()) return false;
      continue;
    }
    const float* p = t.data_ptr<float>();
    const int64_t len = t.numel();
    int bad = 0;
#pragma omp parallel for simd reduction(| : bad) schedule(static) if (len > 32768)
    for (int64_t i = 0; i < len; ++i) bad |= !std::isfinite(p[i]);
    if (bad) return false;
  }
  return true;
}
