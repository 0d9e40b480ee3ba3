namespace Npga.Live.Rendering.Ilgpu;

/// <summary>
/// Per-frame constants of <see cref="IlgpuRasterize"/>, a kernel argument: the image size W×H (pixels), the tile grid width,
/// latent channels L composited (0 for an RGB-only target), the RGB background, and how many passes a group makes over its
/// tile (256 / group size: 1 on a GPU, where a group of 256 threads holds the whole 16×16 tile).
/// </summary>
internal readonly struct RasterParams(int width, int height, int tilesX, int latents, float bgR, float bgG, float bgB, int passes)
{
    public readonly int Width = width, Height = height, TilesX = tilesX, Latents = latents, Passes = passes;
    public readonly float BgR = bgR, BgG = bgG, BgB = bgB;
}
