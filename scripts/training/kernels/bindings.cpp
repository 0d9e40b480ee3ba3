// Python bindings of the CPU extension (npga_kernels_cpu); the operations are documented in cpu_ops.h.
#include <omp.h>

#include "cpu_ops.h"

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "Npga.Live training kernels on the CPU: fused Gaussian splatting, the per-Gaussian MLPs, the photometric loss, Adam";
  m.def("project_forward", &project_forward);
  m.def("project_backward", &project_backward);
  m.def("rasterize_forward", &rasterize_forward);
  m.def("rasterize_backward", &rasterize_backward);
  m.def("mlp_forward", &mlp_forward);
  m.def("mlp_backward", &mlp_backward);
  m.def("photometric_forward", &photometric_forward);
  m.def("laplacian_forward", &laplacian_forward);
  m.def("adam_step", &adam_step);
  m.def("all_finite", &all_finite);
  m.def("threads", [] { return omp_get_max_threads(); });
}
