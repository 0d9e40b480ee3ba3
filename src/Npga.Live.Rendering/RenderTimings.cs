namespace Npga.Live.Rendering;

/// <summary>
/// Wall-clock time of one frame's stages and its workload.
/// </summary>
/// <param name="ProjectMs">Projection: 3D Gaussians to screen-space conics, colours and tile boxes, milliseconds.</param>
/// <param name="BinSortMs">Tile intersection: depth sort and per-tile lists, milliseconds.</param>
/// <param name="RasterizeMs">Front-to-back compositing of every tile, milliseconds.</param>
/// <param name="Visible">Gaussians that survived culling and touch at least one tile.</param>
/// <param name="TileInstances">(Gaussian, tile) pairs, the length of all tile lists together.</param>
public readonly record struct RenderTimings(double ProjectMs, double BinSortMs, double RasterizeMs, int Visible, int TileInstances)
{
    /// <summary>The three stages together, milliseconds.</summary>
    public double TotalMs => ProjectMs + BinSortMs + RasterizeMs;
}
