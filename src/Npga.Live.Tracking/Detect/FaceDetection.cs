namespace Npga.Live.Tracking.Detect;

/// <summary>
/// One face found by the detector, in image pixels of the frame it was run on.
/// </summary>
/// <param name="Score">Detector confidence (sigmoid of the logit), 0..1.</param>
/// <param name="XMin">Box left, image pixels.</param>
/// <param name="YMin">Box top, image pixels.</param>
/// <param name="XMax">Box right, image pixels.</param>
/// <param name="YMax">Box bottom, image pixels.</param>
/// <param name="Keypoints">Six keypoints as x0,y0,…,x5,y5 in image pixels, BlazeFace order: the person's right eye,
/// left eye, nose tip, mouth centre, right ear tragion, left ear tragion.</param>
public sealed record FaceDetection(float Score, float XMin, float YMin, float XMax, float YMax, float[] Keypoints)
{
    /// <summary>Box width, pixels.</summary>
    public float Width => XMax - XMin;

    /// <summary>Box height, pixels.</summary>
    public float Height => YMax - YMin;

    /// <summary>Box area, square pixels.</summary>
    public float Area => Math.Max(0, Width) * Math.Max(0, Height);

    /// <summary>Intersection over union of two boxes.</summary>
    public static float IoU(FaceDetection a, FaceDetection b)
    {
        float ix = Math.Min(a.XMax, b.XMax) - Math.Max(a.XMin, b.XMin);
        float iy = Math.Min(a.YMax, b.YMax) - Math.Max(a.YMin, b.YMin);
        if (ix <= 0 || iy <= 0) return 0;
        float inter = ix * iy;
        return inter / (a.Area + b.Area - inter);
    }
}
