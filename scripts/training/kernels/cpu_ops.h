// The CPU extension's operations (bound to Python in bindings.cpp). Shapes: N Gaussians or points, C channels, H x W
// pixels. Every function takes and returns CPU tensors and throws c10::Error (Python: RuntimeError) on bad shapes.
#pragma once

#include <torch/extension.h>

#include <vector>

// ---- splatting (splat_cpu.cpp; math in splat_math.h)
std::vector<torch::Tensor> project_forward(torch::Tensor means, torch::Tensor quats, torch::Tensor log_scales,
                                           torch::Tensor logits, torch::Tensor sh, torch::Tensor R, torch::Tensor t,
                                           double fx, double fy, double cx, double cy, int64_t width, int64_t height,
                                           double near);
std::vector<torch::Tensor> project_backward(torch::Tensor means, torch::Tensor quats, torch::Tensor log_scales,
                                            torch::Tensor logits, torch::Tensor sh, torch::Tensor R, torch::Tensor t,
                                            double fx, double fy, double cx, double cy, int64_t width, int64_t height,
                                            double near, torch::Tensor valid, torch::Tensor g_uv, torch::Tensor g_conic,
                                            torch::Tensor g_opacity, torch::Tensor g_colour);
std::vector<torch::Tensor> rasterize_forward(torch::Tensor uv, torch::Tensor conic, torch::Tensor opacity,
                                             torch::Tensor features, torch::Tensor depth, torch::Tensor rect,
                                             torch::Tensor valid, int64_t width, int64_t height, torch::Tensor background);
std::vector<torch::Tensor> rasterize_backward(torch::Tensor uv, torch::Tensor conic, torch::Tensor opacity,
                                              torch::Tensor features, torch::Tensor background, torch::Tensor offsets,
                                              torch::Tensor lists, torch::Tensor last, torch::Tensor tfinal,
                                              torch::Tensor g_image, c10::optional<torch::Tensor> g_tfinal);

// ---- the per-Gaussian MLPs F and G (mlp_cpu.cpp): x [N,Din] float32, weights [out,in] and biases [out] per layer
// (torch.nn.Linear's layout), SiLU (act 0) or ReLU (act 1) after every layer but the last.
// forward -> {y [N,Dout], a_0, h_0, a_1, h_1, ...} (pre-activations and activations of the hidden layers, for backward)
std::vector<torch::Tensor> mlp_forward(torch::Tensor x, std::vector<torch::Tensor> weights,
                                       std::vector<torch::Tensor> biases, int64_t act);
// backward -> {dL/dx, dL/dW_0, dL/db_0, dL/dW_1, dL/db_1, ...}
std::vector<torch::Tensor> mlp_backward(torch::Tensor grad_y, torch::Tensor x, std::vector<torch::Tensor> weights,
                                        std::vector<torch::Tensor> saved, int64_t act);

// ---- the photometric loss of NPGA eq. 10 (loss_cpu.cpp): pred, gt [3,H,W] ->
// {loss (0-dim), dloss/dpred [3,H,W]} with loss = (1 - lambda) mean|pred - gt| + lambda (1 - mean SSIM)
// (SSIM: Gaussian window 11, sigma 1.5, C1 = 0.01^2, C2 = 0.03^2, zero padding; the 3DGS reference's ssim()).
std::vector<torch::Tensor> photometric_forward(torch::Tensor pred, torch::Tensor gt, double lambda_ssim);

// ---- NPGA eq. 11's Laplacian term (loss_cpu.cpp): values [N,C] on the kNN graph nbr [N,k] (int64) ->
// {loss = mean_i ||v_i - mean_j v_nbr(i,j)||^2 (0-dim), dloss/dvalues [N,C]}
std::vector<torch::Tensor> laplacian_forward(torch::Tensor values, torch::Tensor nbr);

// ---- Adam (optim_cpu.cpp): one step of torch.optim.Adam (no weight decay, amsgrad or maximize) on contiguous CPU
// float32 tensors, in place; step is the step count after this step's increment (1 on the first)
void adam_step(std::vector<torch::Tensor> params, std::vector<torch::Tensor> grads, std::vector<torch::Tensor> exp_avgs,
               std::vector<torch::Tensor> exp_avg_sqs, double step, double lr, double beta1, double beta2, double eps);
// whether every value of every tensor is finite (no NaN or infinity); one pass, no temporaries for CPU float32
bool all_finite(std::vector<torch::Tensor> tensors);
