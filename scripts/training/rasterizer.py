"""Differentiable 3D Gaussian splatting in plain PyTorch (autograd), with the C# runtime's exact rules.

The forward pass reproduces src/Npga.Live.Rendering (CpuGaussianRenderer; its judge is
tests/Npga.Live.Rendering.Tests/ReferenceRenderer.cs), i.e. the 3DGS reference rasteriser:

  1. projection (3DGS preprocessCUDA): cull z <= near and opacity < 1/255; Sigma = R S S^T R^T (quaternion
     normalised; an unusable one is the identity); EWA Sigma' = J W Sigma W^T J^T with x/z, y/z clamped to
     1.3 tan(fov/2); +0.3 px^2 on the diagonal (low-pass); conic = Sigma'^-1; radius = ceil(3 sqrt(lambda_max));
     footprint = the 16x16 screen tiles its 3-sigma box touches (getRect); colour = max(0, SH(dir) + 0.5) with
     dir = mu - camera centre, in the frame the Gaussians live in;
  2. per tile, Gaussians sorted by camera depth (stable: ties keep index order);
  3. per pixel, front to back: alpha = min(0.99, o exp(power)), skipped when power > 0 or alpha < 1/255; stop
     before T (1 - alpha) < 1e-4; colour += c alpha T; finally colour += T background.

Tile-based: the (tile, Gaussian) pairs of every footprint are sorted by (tile, depth) and padded to [tiles, K]
lists; a chunk of tiles of similar list length is composited at a time as dense [tiles, K, 256] tensors (K = the
chunk's longest list), and
with autograd each chunk is checkpointed (recomputed in backward), so memory is bounded by the chunk size, not by
the image (GPU: whole 512x512 frames; CPU: the tests' 64x64). Gradients flow to means,
quaternions, log-scales, opacity logits, SH, latents (not to the integer footprint or the sort).

Units: metres for positions and scales, pixels on screen. Tensors: N Gaussians, C = 3 + L output channels.
"""
import math

import torch
import torch.utils.checkpoint

TILE = 16
SH_C0 = 0.28209479177387814
SH_C1 = 0.4886025119029199
SH_C2 = (1.0925484305920792, -1.0925484305920792, 0.31539156525252005, -1.0925484305920792, 0.5462742152960396)
SH_C3 = (-0.5900435899266435, 2.890611442640554, -0.4570457994644658, 0.3731763325901154, -0.4570457994644658,
         1.445305721320277, -0.5900435899266435)


def quat_to_rotmat(q):
    """q [N,4] (w,x,y,z), any norm -> R [N,3,3]; a zero or non-finite quaternion becomes the identity (as in C#)."""
    n = q.norm(dim=-1, keepdim=True)
    ok = (n > 0) & torch.isfinite(n)
    ident = torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=q.dtype, device=q.device).expand_as(q)
    q = torch.where(ok, q / torch.where(ok, n, torch.ones_like(n)), ident)
    w, x, y, z = q.unbind(-1)
    return torch.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
        2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
        2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1).reshape(-1, 3, 3)


def sh_to_colour(sh, dirs):
    """sh [N,(d+1)^2,3] (3DGS order and signs), dirs [N,3] unit -> [N,3] = max(0, sum_k Y_k(dir) sh_k + 0.5)."""
    deg = int(round(math.sqrt(sh.shape[1]))) - 1
    x, y, z = dirs[:, 0:1], dirs[:, 1:2], dirs[:, 2:3]
    r = SH_C0 * sh[:, 0]
    if deg >= 1:
        r = r - SH_C1 * y * sh[:, 1] + SH_C1 * z * sh[:, 2] - SH_C1 * x * sh[:, 3]
    if deg >= 2:
        xx, yy, zz = x * x, y * y, z * z
        r = (r + SH_C2[0] * x * y * sh[:, 4] + SH_C2[1] * y * z * sh[:, 5] + SH_C2[2] * (2 * zz - xx - yy) * sh[:, 6]
             + SH_C2[3] * x * z * sh[:, 7] + SH_C2[4] * (xx - yy) * sh[:, 8])
        if deg >= 3:
            r = (r + SH_C3[0] * y * (3 * xx - yy) * sh[:, 9] + SH_C3[1] * x * y * z * sh[:, 10]
                 + SH_C3[2] * y * (4 * zz - xx - yy) * sh[:, 11] + SH_C3[3] * z * (2 * zz - 3 * xx - 3 * yy) * sh[:, 12]
                 + SH_C3[4] * x * (4 * zz - xx - yy) * sh[:, 13] + SH_C3[5] * z * (xx - yy) * sh[:, 14]
                 + SH_C3[6] * x * (xx - 3 * yy) * sh[:, 15])
    return torch.clamp_min(r + 0.5, 0.0)


def project(means, quats, log_scales, opacity_logits, sh, cam):
    """Step 1 for all N Gaussians in the camera `cam` (camera.Camera; world = the Gaussians' frame).

    means [N,3] m, quats [N,4] (w,x,y,z), log_scales [N,3] (log m), opacity_logits [N] or [N,1], sh [N,(d+1)^2,3].
    Returns a dict: uv [N,2] pixels (the view-space means whose gradient drives density control, NPGA eq. 13),
    depth [N], conic [N,3] (A, B, C of power = -0.5 (A dx^2 + C dy^2) - B dx dy), opacity [N], colour [N,3],
    radius [N] (pixels, no grad), rect [N,4] int64 tiles (x0, y0, x1, y1, half-open), valid [N] bool."""
    dt, dev = means.dtype, means.device
    W, t = cam.torch_extrinsics(dt, dev)
    xc = means @ W.T + t
    z = xc[:, 2]
    opacity = torch.sigmoid(opacity_logits.reshape(-1))
    valid = (z > max(cam.near, 0.0)) & (opacity >= 1.0 / 255.0)
    zs = torch.where(valid, z, torch.ones_like(z))  # keeps culled Gaussians' arithmetic finite

    Rq = quat_to_rotmat(quats)
    M = Rq * torch.exp(log_scales)[:, None, :]  # R S
    sigma = M @ M.transpose(1, 2)
    lim_x, lim_y = 1.3 * cam.width / (2 * cam.fx), 1.3 * cam.height / (2 * cam.fy)
    tx = torch.clamp(xc[:, 0] / zs, -lim_x, lim_x) * zs
    ty = torch.clamp(xc[:, 1] / zs, -lim_y, lim_y) * zs
    zero = torch.zeros_like(zs)
    J = torch.stack([torch.stack([cam.fx / zs, zero, -cam.fx * tx / (zs * zs)], -1),
                     torch.stack([zero, cam.fy / zs, -cam.fy * ty / (zs * zs)], -1)], 1)  # [N,2,3]
    JW = J @ W
    cov = JW @ sigma @ JW.transpose(1, 2)
    a, b, c = cov[:, 0, 0] + 0.3, cov[:, 0, 1], cov[:, 1, 1] + 0.3
    det = a * c - b * b
    valid = valid & (det > 0) & torch.isfinite(det)
    dets = torch.where(valid, det, torch.ones_like(det))
    conic = torch.stack([c / dets, -b / dets, a / dets], -1)
    with torch.no_grad():
        mid = 0.5 * (a + c)
        lam = mid + torch.sqrt(torch.clamp_min(mid * mid - det, 0.1))
        radius = torch.ceil(3 * torch.sqrt(torch.clamp_min(lam, 0)))
    u = cam.fx * xc[:, 0] / zs + cam.cx
    v = cam.fy * xc[:, 1] / zs + cam.cy
    uv = torch.stack([u, v], -1)
    with torch.no_grad():
        tiles_x, tiles_y = (cam.width + TILE - 1) // TILE, (cam.height + TILE - 1) // TILE
        big = 2.0 ** 31 - 1

        def trunc_clamp(val, hi):
            return torch.clamp(torch.trunc(torch.clamp(val, -big, big)), 0, hi).long()

        rect = torch.stack([trunc_clamp((u - 0.5 - radius) / TILE, tiles_x), trunc_clamp((v - 0.5 - radius) / TILE, tiles_y),
                            trunc_clamp((u - 0.5 + radius + TILE - 1) / TILE, tiles_x),
                            trunc_clamp((v - 0.5 + radius + TILE - 1) / TILE, tiles_y)], -1)
        valid = valid & ((rect[:, 2] - rect[:, 0]) * (rect[:, 3] - rect[:, 1]) > 0) & torch.isfinite(u) & torch.isfinite(v)
    centre = torch.tensor(cam.centre, dtype=dt, device=dev)
    d = means - centre
    d = d / torch.clamp_min(d.norm(dim=-1, keepdim=True), 1e-12)
    colour = sh_to_colour(sh, d)
    return dict(uv=uv, depth=z, conic=conic, opacity=opacity, colour=colour, radius=radius, rect=rect, valid=valid)


def _tile_lists(proj, tiles_x, tiles_y):
    """Sorted per-tile Gaussian lists: idx [T, K] (N = padding), counts [T]. Sort key: (tile, depth, index)."""
    valid, rect, depth = proj["valid"], proj["rect"], proj["depth"]
    dev = rect.device
    n = depth.shape[0]
    gid = torch.nonzero(valid).reshape(-1)
    if gid.numel() == 0:
        return torch.full((tiles_x * tiles_y, 0), n, dtype=torch.long, device=dev), torch.zeros(tiles_x * tiles_y, dtype=torch.long, device=dev)
    r = rect[gid]
    w, h = r[:, 2] - r[:, 0], r[:, 3] - r[:, 1]
    cnt = w * h
    pair_g = torch.repeat_interleave(gid, cnt)
    start = torch.cumsum(cnt, 0) - cnt
    local = torch.arange(int(cnt.sum()), device=dev) - torch.repeat_interleave(start, cnt)
    rw = torch.repeat_interleave(w, cnt)
    px = torch.repeat_interleave(r[:, 0], cnt) + local % rw
    py = torch.repeat_interleave(r[:, 1], cnt) + local // rw
    tile = py * tiles_x + px
    # rank by depth, stable in index order (ReferenceRenderer: OrderBy(depth), ties by index)
    order = torch.sort(depth.detach(), stable=True).indices
    rank = torch.empty_like(order)
    rank[order] = torch.arange(n, device=dev)
    key = tile * n + rank[pair_g]
    srt = torch.sort(key).indices
    tile, pair_g = tile[srt], pair_g[srt]
    n_tiles = tiles_x * tiles_y
    counts = torch.bincount(tile, minlength=n_tiles)
    kmax = int(counts.max())
    first = torch.cumsum(counts, 0) - counts
    slot = torch.arange(tile.numel(), device=dev) - first[tile]
    idx = torch.full((n_tiles, kmax), n, dtype=torch.long, device=dev)
    idx[tile, slot] = pair_g
    return idx, counts


def rasterize(proj, features, cam, background, max_elems=1 << 23):
    """Steps 2 and 3: composite per-Gaussian features [N,C] (C = 3 colour channels taken from proj['colour']
    when `features` is None, else [N,3+L] colour then latents) into an image [C,H,W]; channels 0..2 get
    T_final * background (3 floats), latent channels do not (as RenderTarget). Also returns the final
    transmittance [H,W]."""
    H, Wd = cam.height, cam.width
    dt, dev = proj["depth"].dtype, proj["depth"].device
    feats = proj["colour"] if features is None else features
    C = feats.shape[1]
    tiles_x, tiles_y = (Wd + TILE - 1) // TILE, (H + TILE - 1) // TILE
    idx, counts = _tile_lists(proj, tiles_x, tiles_y)
    n_tiles, K = idx.shape
    # per-Gaussian parameters, padded with one inert row (opacity 0) at index N
    pad = lambda x: torch.cat([x, torch.zeros((1,) + x.shape[1:], dtype=x.dtype, device=x.device)], 0)
    uv, conic, opac, fts = pad(proj["uv"]), pad(proj["conic"]), pad(proj["opacity"]), pad(feats)
    ly, lx = torch.meshgrid(torch.arange(TILE, device=dev), torch.arange(TILE, device=dev), indexing="ij")
    ly, lx = ly.reshape(-1), lx.reshape(-1)
    tile_ids = torch.arange(n_tiles, device=dev)
    pix_x = (tile_ids % tiles_x)[:, None] * TILE + lx[None]  # [T,256]
    pix_y = (tile_ids // tiles_x)[:, None] * TILE + ly[None]
    bg = torch.as_tensor(background, dtype=dt, device=dev).reshape(3)
    n_pad = uv.shape[0] - 1

    def composite(ii, px, py, uv, conic, opac, fts):
        """One chunk: ii [Tc,K] Gaussian ids (n_pad = none), px, py [Tc,P] pixel indices -> ([Tc,P,C], T_final [Tc,P])."""
        g_uv, g_con, g_op, g_ft = uv[ii], conic[ii], opac[ii], fts[ii]
        dx = g_uv[..., 0:1] - (px[:, None, :].to(dt) + 0.5)  # [Tc,K,P]
        dy = g_uv[..., 1:2] - (py[:, None, :].to(dt) + 0.5)
        power = -0.5 * (g_con[..., 0:1] * dx * dx + g_con[..., 2:3] * dy * dy) - g_con[..., 1:2] * dx * dy
        alpha = torch.clamp_max(g_op[..., None] * torch.exp(torch.clamp_max(power, 0.0)), 0.99)
        ok = (power <= 0) & (alpha >= 1.0 / 255.0) & (ii < n_pad)[..., None]
        a = torch.where(ok, alpha, torch.zeros_like(alpha))
        one_minus = 1 - a
        T_incl = torch.cumprod(one_minus, 1)
        T_excl = torch.cat([torch.ones_like(T_incl[:, :1]), T_incl[:, :-1]], 1)
        with torch.no_grad():
            done = ok & (T_excl * one_minus < 1e-4)
            stopped = torch.cumsum(done.to(torch.int32), 1) > 0  # at or after the Gaussian that would stop the pixel
        acc = ok & ~stopped
        wgt = torch.where(acc, a * T_excl, torch.zeros_like(a))  # [Tc,K,P]
        img = torch.einsum("tkp,tkc->tpc", wgt, g_ft)
        tfin = torch.prod(torch.where(acc, one_minus, torch.ones_like(one_minus)), 1)  # [Tc,P]
        return img, tfin

    use_ckpt = torch.is_grad_enabled() and any(x.requires_grad for x in (uv, conic, opac, fts))
    # tiles in order of decreasing list length; a chunk holds tiles of similar length (>= 3/4 of its longest), so the
    # padding to the chunk's K wastes little, and stays under max_elems
    order = torch.argsort(counts, descending=True, stable=True)
    cnt = counts[order].tolist()
    out_tiles, tfinal_tiles, chunk_ids = [], [], []
    s = 0
    while s < n_tiles:
        kc, e = cnt[s], s + 1
        while e < n_tiles and 4 * cnt[e] >= 3 * kc and (e - s + 1) * max(kc, 1) * TILE * TILE <= max_elems:
            e += 1
        ids = order[s:e]
        if kc == 0:
            out_tiles.append(torch.zeros(e - s, TILE * TILE, C, dtype=dt, device=dev))
            tfinal_tiles.append(torch.ones(e - s, TILE * TILE, dtype=dt, device=dev))
        else:
            args = (idx[ids, :kc], pix_x[ids], pix_y[ids], uv, conic, opac, fts)
            if use_ckpt:  # keep only the chunk's inputs for backward; recompute its [Tc,K,P] tensors there
                img, tfin = torch.utils.checkpoint.checkpoint(composite, *args, use_reentrant=False)
            else:
                img, tfin = composite(*args)
            out_tiles.append(img)
            tfinal_tiles.append(tfin)
        chunk_ids.append(ids)
        s = e
    inv = torch.empty_like(order)
    inv[torch.cat(chunk_ids)] = torch.arange(n_tiles, device=dev)
    img = torch.cat(out_tiles, 0)[inv]  # [T,P,C], back in tile order
    tfin = torch.cat(tfinal_tiles, 0)[inv]  # [T,P]
    # tiles -> image
    img = img.reshape(tiles_y, tiles_x, TILE, TILE, C).permute(4, 0, 2, 1, 3).reshape(C, tiles_y * TILE, tiles_x * TILE)[:, :H, :Wd]
    tfin = tfin.reshape(tiles_y, tiles_x, TILE, TILE).permute(0, 2, 1, 3).reshape(tiles_y * TILE, tiles_x * TILE)[:H, :Wd]
    rgb = img[:3] + tfin[None] * bg[:, None, None]
    return torch.cat([rgb, img[3:]], 0), tfin


def render(means, quats, log_scales, opacity_logits, sh, cam, background=(0.0, 0.0, 0.0), latents=None, max_elems=1 << 23):
    """Projects and composites; returns (image [3+L,H,W], proj dict). latents [N,L] or None."""
    proj = project(means, quats, log_scales, opacity_logits, sh, cam)
    feats = None if latents is None or latents.shape[1] == 0 else torch.cat([proj["colour"], latents], 1)
    img, tfin = rasterize(proj, feats, cam, background, max_elems)
    proj["transmittance"] = tfin
    return img, proj
