// The math of 3D Gaussian splatting, once, for the host (OpenMP build) and the device (nvcc build): per-Gaussian
// projection (quaternion and log-scale to covariance, EWA with the frustum clamp and the 0.3 px^2 low-pass, conic,
// screen radius and tile rectangle, SH colour up to degree 3) and the backward of each step, in the mirror order of
// the 3DGS reference rasteriser (graphdeco-inria/diff-gaussian-rasterization, auxiliary.h / forward.cu /
// backward.cu). The dense PyTorch rasteriser (scripts/training/rasterizer.py) is the judge of every function here:
// same constants, same order of operations where a threshold depends on it (tile rectangle, culling).
//
// Conventions: camera x_c = W mu + t (OpenCV axes, metres), u = fx x/z + cx, v = fy y/z + cy (pixels, centres at
// +0.5); quaternions (w,x,y,z), any norm (a zero or non-finite one is the identity); log-scales in log metres;
// opacity as a logit; SH [(d+1)^2][3] in the 3DGS order and signs, colour = max(0, SH(dir) + 0.5) with dir the unit
// vector from the camera centre to the mean; conic (A, B, C) with power = -0.5 (A dx^2 + C dy^2) - B dx dy.
#pragma once

#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define SPLAT_HD __host__ __device__ __forceinline__
#else
#define SPLAT_HD inline
#endif

namespace splat {

constexpr int TILE = 16;
constexpr double ALPHA_MAX = 0.99;        // alpha clamp
constexpr double ALPHA_MIN = 1.0 / 255.0; // skip below
constexpr double T_STOP = 1e-4;           // stop before T would fall below this
constexpr double LOW_PASS = 0.3;          // px^2 added to the 2D covariance's diagonal
constexpr double FRUSTUM = 1.3;           // x/z, y/z clamped to 1.3 tan(fov/2) in the Jacobian

constexpr double SH_C0 = 0.28209479177387814;
constexpr double SH_C1 = 0.4886025119029199;
constexpr double SH_C2[5] = {1.0925484305920792, -1.0925484305920792, 0.31539156525252005, -1.0925484305920792,
                             0.5462742152960396};
constexpr double SH_C3[7] = {-0.5900435899266435, 2.890611442640554, -0.4570457994644658, 0.3731763325901154,
                             -0.4570457994644658, 1.445305721320277, -0.5900435899266435};

/// One pinhole view: world -> camera rotation W (row-major 3x3) and t (metres), intrinsics in pixels, image size,
/// near plane (metres), camera centre in world coordinates (-W^T t).
template <typename S> struct Cam {
  S W[9];
  S t[3];
  S centre[3];
  S fx, fy, cx, cy, near;
  int width, height;
};

/// Normalised quaternion -> rotation matrix (row-major); returns false (and the identity) when |q| is 0 or not finite.
template <typename S> SPLAT_HD bool quat_to_rot(const S* q, S* qn, S* R) {
  S n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  bool ok = n > S(0) && isfinite(n);
  if (ok) {
    for (int i = 0; i < 4; ++i) qn[i] = q[i] / n;
  } else {
    qn[0] = S(1); qn[1] = qn[2] = qn[3] = S(0);
  }
  S w = qn[0], x = qn[1], y = qn[2], z = qn[3];
  R[0] = S(1) - S(2) * (y * y + z * z); R[1] = S(2) * (x * y - w * z);        R[2] = S(2) * (x * z + w * y);
  R[3] = S(2) * (x * y + w * z);        R[4] = S(1) - S(2) * (x * x + z * z); R[5] = S(2) * (y * z - w * x);
  R[6] = S(2) * (x * z - w * y);        R[7] = S(2) * (y * z + w * x);        R[8] = S(1) - S(2) * (x * x + y * y);
  return ok;
}

/// Backward of quat_to_rot: dL/dR (row-major) -> dL/dq (through the normalisation; zero for an unusable q).
template <typename S> SPLAT_HD void quat_to_rot_backward(const S* q, const S* qn, bool ok, const S* g, S* dq) {
  if (!ok) { dq[0] = dq[1] = dq[2] = dq[3] = S(0); return; }
  S w = qn[0], x = qn[1], y = qn[2], z = qn[3];
  S d[4];
  d[0] = S(2) * (-z * g[1] + y * g[2] + z * g[3] - x * g[5] - y * g[6] + x * g[7]);
  d[1] = S(2) * (y * g[1] + z * g[2] + y * g[3] - S(2) * x * g[4] - w * g[5] + z * g[6] + w * g[7] - S(2) * x * g[8]);
  d[2] = S(2) * (-S(2) * y * g[0] + x * g[1] + w * g[2] + x * g[3] + z * g[5] - w * g[6] + z * g[7] - S(2) * y * g[8]);
  d[3] = S(2) * (-S(2) * z * g[0] - w * g[1] + x * g[2] + w * g[3] - S(2) * z * g[4] + y * g[5] + x * g[6] + y * g[7]);
  S n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  S dot = w * d[0] + x * d[1] + y * d[2] + z * d[3];
  for (int i = 0; i < 4; ++i) dq[i] = (d[i] - qn[i] * dot) / n;
}

/// SH basis Y_k(dir) for k < (deg+1)^2 (3DGS order and signs).
template <typename S> SPLAT_HD void sh_basis(int deg, S x, S y, S z, S* Y) {
  Y[0] = S(SH_C0);
  if (deg < 1) return;
  Y[1] = -S(SH_C1) * y; Y[2] = S(SH_C1) * z; Y[3] = -S(SH_C1) * x;
  if (deg < 2) return;
  S xx = x * x, yy = y * y, zz = z * z;
  Y[4] = S(SH_C2[0]) * x * y; Y[5] = S(SH_C2[1]) * y * z; Y[6] = S(SH_C2[2]) * (S(2) * zz - xx - yy);
  Y[7] = S(SH_C2[3]) * x * z; Y[8] = S(SH_C2[4]) * (xx - yy);
  if (deg < 3) return;
  Y[9] = S(SH_C3[0]) * y * (S(3) * xx - yy); Y[10] = S(SH_C3[1]) * x * y * z;
  Y[11] = S(SH_C3[2]) * y * (S(4) * zz - xx - yy); Y[12] = S(SH_C3[3]) * z * (S(2) * zz - S(3) * xx - S(3) * yy);
  Y[13] = S(SH_C3[4]) * x * (S(4) * zz - xx - yy); Y[14] = S(SH_C3[5]) * z * (xx - yy);
  Y[15] = S(SH_C3[6]) * x * (xx - S(3) * yy);
}

/// d(sum_k c_k Y_k)/d(x,y,z) for per-basis weights c_k (the colour gradient already contracted over RGB).
template <typename S> SPLAT_HD void sh_basis_grad(int deg, S x, S y, S z, const S* c, S* d) {
  d[0] = d[1] = d[2] = S(0);
  if (deg < 1) return;
  d[1] += -S(SH_C1) * c[1]; d[2] += S(SH_C1) * c[2]; d[0] += -S(SH_C1) * c[3];
  if (deg < 2) return;
  S xx = x * x, yy = y * y, zz = z * z;
  d[0] += S(SH_C2[0]) * y * c[4]; d[1] += S(SH_C2[0]) * x * c[4];
  d[1] += S(SH_C2[1]) * z * c[5]; d[2] += S(SH_C2[1]) * y * c[5];
  d[0] += S(SH_C2[2]) * (-S(2) * x) * c[6]; d[1] += S(SH_C2[2]) * (-S(2) * y) * c[6]; d[2] += S(SH_C2[2]) * (S(4) * z) * c[6];
  d[0] += S(SH_C2[3]) * z * c[7]; d[2] += S(SH_C2[3]) * x * c[7];
  d[0] += S(SH_C2[4]) * (S(2) * x) * c[8]; d[1] += S(SH_C2[4]) * (-S(2) * y) * c[8];
  if (deg < 3) return;
  d[0] += S(SH_C3[0]) * S(6) * x * y * c[9]; d[1] += S(SH_C3[0]) * (S(3) * xx - S(3) * yy) * c[9];
  d[0] += S(SH_C3[1]) * y * z * c[10]; d[1] += S(SH_C3[1]) * x * z * c[10]; d[2] += S(SH_C3[1]) * x * y * c[10];
  d[0] += S(SH_C3[2]) * (-S(2) * x * y) * c[11]; d[1] += S(SH_C3[2]) * (S(4) * zz - xx - S(3) * yy) * c[11];
  d[2] += S(SH_C3[2]) * (S(8) * y * z) * c[11];
  d[0] += S(SH_C3[3]) * (-S(6) * x * z) * c[12]; d[1] += S(SH_C3[3]) * (-S(6) * y * z) * c[12];
  d[2] += S(SH_C3[3]) * (S(6) * zz - S(3) * xx - S(3) * yy) * c[12];
  d[0] += S(SH_C3[4]) * (S(4) * zz - S(3) * xx - yy) * c[13]; d[1] += S(SH_C3[4]) * (-S(2) * x * y) * c[13];
  d[2] += S(SH_C3[4]) * (S(8) * x * z) * c[13];
  d[0] += S(SH_C3[5]) * S(2) * x * z * c[14]; d[1] += S(SH_C3[5]) * (-S(2) * y * z) * c[14];
  d[2] += S(SH_C3[5]) * (xx - yy) * c[14];
  d[0] += S(SH_C3[6]) * (S(3) * xx - S(3) * yy) * c[15]; d[1] += S(SH_C3[6]) * (-S(6) * x * y) * c[15];
}

/// Unit view direction from the camera centre to mu; returns the distance (clamped below at 1e-12).
template <typename S> SPLAT_HD S view_dir(const S* mu, const S* centre, S* dir) {
  S d0 = mu[0] - centre[0], d1 = mu[1] - centre[1], d2 = mu[2] - centre[2];
  S n = sqrt(d0 * d0 + d1 * d1 + d2 * d2);
  n = n > S(1e-12) ? n : S(1e-12);
  dir[0] = d0 / n; dir[1] = d1 / n; dir[2] = d2 / n;
  return n;
}

/// Truncate toward zero and clamp to [0, hi] as rasterizer.py's trunc_clamp (values first clamped to +-(2^31 - 1)).
template <typename S> SPLAT_HD int trunc_clamp(S v, int hi) {
  const S big = S(2147483647.0);
  v = v < -big ? -big : (v > big ? big : v);
  v = trunc(v);
  return v < S(0) ? 0 : (v > S(hi) ? hi : int(v));
}

/// The 3D covariance of NPGA eq. 3's Gaussian (3DGS computeCov3D): Sigma = M M^T with M = R(q) diag(exp(log_scale)).
template <typename S> struct Cov3 {
  S qn[4], R[9], s[3], M[9], Sig[9];
  bool qok;  // false: q was unusable and R is the identity
};

template <typename S> SPLAT_HD void covariance_3d(const S* q, const S* log_scale, Cov3<S>& c) {
  c.qok = quat_to_rot(q, c.qn, c.R);
  for (int j = 0; j < 3; ++j) c.s[j] = exp(log_scale[j]);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) c.M[3 * i + j] = c.R[3 * i + j] * c.s[j];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      c.Sig[3 * i + j] = c.M[3 * i] * c.M[3 * j] + c.M[3 * i + 1] * c.M[3 * j + 1] + c.M[3 * i + 2] * c.M[3 * j + 2];
}

/// The EWA splat of a camera-space mean xc (3DGS computeCov2D): the projection's Jacobian J at (x/z, y/z) clamped to
/// 1.3 tan(fov/2) (so tx, ty are the clamped x, y), T = J W, TS = T Sigma, and the screen covariance with the low-pass,
/// (a, b; b, c). z is the depth used as divisor.
template <typename S> struct Ewa {
  S J[6], T[6], TS[6], a, b, c, tx, ty, rx, ry;
  bool in_x, in_y;  // x/z, y/z inside the clamp
};

template <typename S> SPLAT_HD void ewa_2d(const S* xc, S z, const Cam<S>& cam, const S* Sig, Ewa<S>& e) {
  const S* W = cam.W;
  S lim_x = S(FRUSTUM) * S(cam.width) / (S(2) * cam.fx), lim_y = S(FRUSTUM) * S(cam.height) / (S(2) * cam.fy);
  S rx0 = xc[0] / z, ry0 = xc[1] / z;
  e.in_x = rx0 >= -lim_x && rx0 <= lim_x;
  e.in_y = ry0 >= -lim_y && ry0 <= lim_y;
  e.rx = rx0 < -lim_x ? -lim_x : (rx0 > lim_x ? lim_x : rx0);
  e.ry = ry0 < -lim_y ? -lim_y : (ry0 > lim_y ? lim_y : ry0);
  e.tx = e.rx * z;
  e.ty = e.ry * z;
  S J[6] = {cam.fx / z, S(0), -cam.fx * e.tx / (z * z), S(0), cam.fy / z, -cam.fy * e.ty / (z * z)};
  for (int i = 0; i < 6; ++i) e.J[i] = J[i];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) e.T[3 * i + j] = J[3 * i] * W[j] + J[3 * i + 1] * W[3 + j] + J[3 * i + 2] * W[6 + j];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      e.TS[3 * i + j] = e.T[3 * i] * Sig[j] + e.T[3 * i + 1] * Sig[3 + j] + e.T[3 * i + 2] * Sig[6 + j];
  e.a = e.TS[0] * e.T[0] + e.TS[1] * e.T[1] + e.TS[2] * e.T[2] + S(LOW_PASS);
  e.b = e.TS[0] * e.T[3] + e.TS[1] * e.T[4] + e.TS[2] * e.T[5];
  e.c = e.TS[3] * e.T[3] + e.TS[4] * e.T[4] + e.TS[5] * e.T[5] + S(LOW_PASS);
}

/// Camera-space mean x_c = W mu + t.
template <typename S> SPLAT_HD void to_camera(const S* mu, const Cam<S>& cam, S* xc) {
  for (int i = 0; i < 3; ++i) xc[i] = cam.W[3 * i] * mu[0] + cam.W[3 * i + 1] * mu[1] + cam.W[3 * i + 2] * mu[2] + cam.t[i];
}

/// Everything the projection produces for one Gaussian.
template <typename S> struct Projected {
  S u, v, depth, A, B, C, opacity, colour[3], radius;
  int rect[4];  // tiles x0, y0, x1, y1 (half-open)
  bool valid;
};

/// Forward projection of one Gaussian (rasterizer.py project(), the 3DGS preprocess).
/// sh: [(deg+1)^2][3]. All outputs are written; for an invalid Gaussian only `valid` matters.
template <typename S>
SPLAT_HD void project_one(const S* mu, const S* q, const S* log_scale, S logit, const S* sh, int deg, const Cam<S>& cam,
                          Projected<S>& o) {
  S xc[3];
  to_camera(mu, cam, xc);
  S z = xc[2];
  o.depth = z;
  o.opacity = S(1) / (S(1) + exp(-logit));
  S near = cam.near > S(0) ? cam.near : S(0);
  bool valid = (z > near) && (o.opacity >= S(ALPHA_MIN));
  S zs = valid ? z : S(1);
  Cov3<S> cov;
  covariance_3d(q, log_scale, cov);
  Ewa<S> e;
  ewa_2d(xc, zs, cam, cov.Sig, e);
  S a = e.a, b = e.b, c = e.c;
  S det = a * c - b * b;
  valid = valid && det > S(0) && isfinite(det);
  S dets = valid ? det : S(1);
  o.A = c / dets; o.B = -b / dets; o.C = a / dets;
  S mid = S(0.5) * (a + c);
  S disc = mid * mid - det;
  S lam = mid + sqrt(disc > S(0.1) ? disc : S(0.1));
  o.radius = ceil(S(3) * sqrt(lam > S(0) ? lam : S(0)));
  o.u = cam.fx * xc[0] / zs + cam.cx;
  o.v = cam.fy * xc[1] / zs + cam.cy;
  int tiles_x = (cam.width + TILE - 1) / TILE, tiles_y = (cam.height + TILE - 1) / TILE;
  S half = S(0.5);
  o.rect[0] = trunc_clamp((o.u - half - o.radius) / S(TILE), tiles_x);
  o.rect[1] = trunc_clamp((o.v - half - o.radius) / S(TILE), tiles_y);
  o.rect[2] = trunc_clamp((o.u - half + o.radius + S(TILE - 1)) / S(TILE), tiles_x);
  o.rect[3] = trunc_clamp((o.v - half + o.radius + S(TILE - 1)) / S(TILE), tiles_y);
  valid = valid && (o.rect[2] - o.rect[0]) * (o.rect[3] - o.rect[1]) > 0 && isfinite(o.u) && isfinite(o.v);
  o.valid = valid;
  S dir[3], Y[16];
  view_dir(mu, cam.centre, dir);
  sh_basis(deg, dir[0], dir[1], dir[2], Y);
  int K = (deg + 1) * (deg + 1);
  for (int ch = 0; ch < 3; ++ch) {
    S r = S(0);
    for (int k = 0; k < K; ++k) r += Y[k] * sh[3 * k + ch];
    r += S(0.5);
    o.colour[ch] = r > S(0) ? r : S(0);
  }
}

/// Backward of project_one for a valid Gaussian: dL/d(u,v), dL/d(A,B,C), dL/dopacity (activated), dL/dcolour ->
/// dL/dmu [3], dL/dq [4], dL/dlog_scale [3], dL/dlogit, dL/dsh [(deg+1)^2][3] (written, not accumulated).
template <typename S>
SPLAT_HD void project_one_backward(const S* mu, const S* q, const S* log_scale, S logit, const S* sh, int deg,
                                   const Cam<S>& cam, const S* g_uv, const S* g_conic, S g_opacity, const S* g_colour,
                                   S* d_mu, S* d_q, S* d_log_scale, S* d_logit, S* d_sh) {
  const S* W = cam.W;
  S xc[3];
  to_camera(mu, cam, xc);
  S z = xc[2];
  S op = S(1) / (S(1) + exp(-logit));
  *d_logit = g_opacity * op * (S(1) - op);
  // colour (SH) -> sh, dir -> mu
  S dir[3], Y[16];
  S dist = view_dir(mu, cam.centre, dir);
  sh_basis(deg, dir[0], dir[1], dir[2], Y);
  int K = (deg + 1) * (deg + 1);
  S gc[3];
  for (int ch = 0; ch < 3; ++ch) {
    S r = S(0.5);
    for (int k = 0; k < K; ++k) r += Y[k] * sh[3 * k + ch];
    gc[ch] = r >= S(0) ? g_colour[ch] : S(0);
  }
  S ck[16];
  for (int k = 0; k < K; ++k) {
    ck[k] = S(0);
    for (int ch = 0; ch < 3; ++ch) {
      d_sh[3 * k + ch] = Y[k] * gc[ch];
      ck[k] += sh[3 * k + ch] * gc[ch];
    }
  }
  S g_dir[3];
  sh_basis_grad(deg, dir[0], dir[1], dir[2], ck, g_dir);
  S dd = dir[0] * g_dir[0] + dir[1] * g_dir[1] + dir[2] * g_dir[2];
  bool dist_ok = sqrt((mu[0] - cam.centre[0]) * (mu[0] - cam.centre[0]) + (mu[1] - cam.centre[1]) * (mu[1] - cam.centre[1]) +
                      (mu[2] - cam.centre[2]) * (mu[2] - cam.centre[2])) > S(1e-12);
  for (int i = 0; i < 3; ++i) d_mu[i] = dist_ok ? (g_dir[i] - dir[i] * dd) / dist : g_dir[i] / dist;
  // uv -> xc
  S g_xc[3] = {g_uv[0] * cam.fx / z, g_uv[1] * cam.fy / z,
               -g_uv[0] * cam.fx * xc[0] / (z * z) - g_uv[1] * cam.fy * xc[1] / (z * z)};
  // the forward chain again
  Cov3<S> cov;
  covariance_3d(q, log_scale, cov);
  Ewa<S> e;
  ewa_2d(xc, z, cam, cov.Sig, e);
  const S *R = cov.R, *s = cov.s, *M = cov.M, *T = e.T, *TS = e.TS;
  S a = e.a, b = e.b, c = e.c, tx = e.tx, ty = e.ty, rx = e.rx, ry = e.ry;
  bool in_x = e.in_x, in_y = e.in_y;
  S det = a * c - b * b, det2 = det * det;
  // conic (A, B, C) = (c, -b, a) / det -> (a, b, c)
  S gA = g_conic[0], gB = g_conic[1], gC = g_conic[2];
  S ga = (-c * c * gA + b * c * gB + (det - a * c) * gC) / det2;
  S gb = (S(2) * b * c * gA - (det + S(2) * b * b) * gB + S(2) * a * b * gC) / det2;
  S gcv = ((det - a * c) * gA + a * b * gB - a * a * gC) / det2;
  // cov2 = T Sig T^T (a = cov00, b = cov01, c = cov11): symmetric Ds = dC + dC^T
  S Ds[4] = {S(2) * ga, gb, gb, S(2) * gcv};
  // dL/dT = Ds T Sig (2x3)
  S gT[6];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) gT[3 * i + j] = Ds[2 * i] * TS[j] + Ds[2 * i + 1] * TS[3 + j];
  // dL/dSig (symmetrised) = T^T Ds T (3x3); dL/dM = gSig M
  S DT[6];  // Ds T
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) DT[3 * i + j] = Ds[2 * i] * T[j] + Ds[2 * i + 1] * T[3 + j];
  S gSig[9];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) gSig[3 * i + j] = T[i] * DT[j] + T[3 + i] * DT[3 + j];
  S gM[9];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) gM[3 * i + j] = gSig[3 * i] * M[j] + gSig[3 * i + 1] * M[3 + j] + gSig[3 * i + 2] * M[6 + j];
  S gR[9];
  for (int j = 0; j < 3; ++j) {
    S gs = S(0);
    for (int i = 0; i < 3; ++i) {
      gR[3 * i + j] = gM[3 * i + j] * s[j];
      gs += gM[3 * i + j] * R[3 * i + j];
    }
    d_log_scale[j] = gs * s[j];
  }
  quat_to_rot_backward(q, cov.qn, cov.qok, gR, d_q);
  // T = J W -> dJ = dT W^T
  S gJ[6];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) gJ[3 * i + j] = gT[3 * i] * W[3 * j] + gT[3 * i + 1] * W[3 * j + 1] + gT[3 * i + 2] * W[3 * j + 2];
  S z2 = z * z, z3 = z2 * z;
  g_xc[2] += -cam.fx / z2 * gJ[0] + S(2) * cam.fx * tx / z3 * gJ[2] - cam.fy / z2 * gJ[4] + S(2) * cam.fy * ty / z3 * gJ[5];
  S g_tx = -cam.fx / z2 * gJ[2], g_ty = -cam.fy / z2 * gJ[5];
  if (in_x) g_xc[0] += g_tx; else g_xc[2] += g_tx * rx;
  if (in_y) g_xc[1] += g_ty; else g_xc[2] += g_ty * ry;
  for (int j = 0; j < 3; ++j) d_mu[j] += W[j] * g_xc[0] + W[3 + j] * g_xc[1] + W[6 + j] * g_xc[2];
}

/// Half extents (pixels) of the region where alpha = o exp(power) >= 1/255 for conic (A, B, C); a margin of one
/// pixel covers rounding. Outside it every pixel is skipped, so leaving it out changes nothing.
template <typename S> SPLAT_HD void alpha_extent(S A, S B, S C, S opacity, S* ex, S* ey) {
  S t = log(S(255) * opacity);
  S det = A * C - B * B;
  if (!(t >= S(0)) || !(det > S(0))) { *ex = *ey = S(-1); return; }
  *ex = sqrt(S(2) * t * C / det) + S(1);
  *ey = sqrt(S(2) * t * A / det) + S(1);
}

}  // namespace splat
