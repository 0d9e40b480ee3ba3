using Npga.Live.Rendering.Cpu;

namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// Per-frame camera and cloud constants handed to <see cref="IlgpuProjection"/> by value (a kernel argument): the
/// world-to-camera rotation R (row-major) and translation t (metres), intrinsics (pixels), the frustum clamp limits
/// 1.3·tan(fov/2) of x/z and y/z, the near plane (metres, ≥ 0), the camera centre −Rᵀt (world frame, metres), the image
/// and tile grid sizes, and the cloud's SH degree and floats per Gaussian of SH. Built from the CPU renderer's
/// <see cref="Projection.View"/>, so both backends see the same numbers.
/// </summary>
internal readonly struct ViewParams
{
    public readonly double R00, R01, R02, R10, R11, R12, R20, R21, R22, T0, T1, T2;
    public readonly double Fx, Fy, Cx, Cy, LimX, LimY, Near;
    public readonly float CamX, CamY, CamZ;
    public readonly int Width, Height, TilesX, TilesY;

    /// <summary>SH degree d, 0..3.</summary>
    public readonly int ShDegree;

    /// <summary>Floats of SH per Gaussian, 3·(d+1)².</summary>
    public readonly int ShStride;

    /// <summary>Copies <paramref name="view"/> and the cloud's SH layout.</summary>
    public ViewParams(in Projection.View view, int shDegree)
    {
        R00 = view.R00; R01 = view.R01; R02 = view.R02;
        R10 = view.R10; R11 = view.R11; R12 = view.R12;
        R20 = view.R20; R21 = view.R21; R22 = view.R22;
        T0 = view.T0; T1 = view.T1; T2 = view.T2;
        Fx = view.Fx; Fy = view.Fy; Cx = view.Cx; Cy = view.Cy;
        LimX = view.LimX; LimY = view.LimY; Near = view.Near;
        CamX = view.CamX; CamY = view.CamY; CamZ = view.CamZ;
        Width = view.Width; Height = view.Height; TilesX = view.TilesX; TilesY = view.TilesY;
        ShDegree = shDegree;
        ShStride = 3 * (shDegree + 1) * (shDegree + 1);
    }
}
