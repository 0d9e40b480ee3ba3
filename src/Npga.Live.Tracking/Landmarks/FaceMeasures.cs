namespace Npga.Live.Tracking.Landmarks;

/// <summary>
/// Scale-free expression measures read off 468 landmarks, used to judge expression transfer
/// (driver vs re-tracked avatar) and to name the expression components. Each is an image-plane (x, y)
/// distance divided by the outer-eye-corner distance |p33 − p263|, so it does not change with
/// the face's size in the frame.
/// </summary>
/// <param name="MouthOpen">Inner-lip distance |p13 − p14| / eye-corner distance.</param>
/// <param name="EyeOpen">Mean eyelid gap (|p159 − p145| + |p386 − p374|)/2 / eye-corner distance.</param>
/// <param name="BrowRaise">Mean distance of the brows (p105, p334) from their eye's corner midpoint / eye-corner distance.</param>
/// <param name="MouthWidth">Mouth-corner distance |p61 − p291| / eye-corner distance (rises with a smile).</param>
public readonly record struct FaceMeasures(float MouthOpen, float EyeOpen, float BrowRaise, float MouthWidth)
{
    /// <summary>Measures from landmarks laid out as x, y, z per point (468·3 floats, any pixel units).</summary>
    /// <exception cref="ArgumentException">Fewer than 468·3 values.</exception>
    public static FaceMeasures From(ReadOnlySpan<float> landmarks)
    {
        if (landmarks.Length < FaceLandmarks.Count * 3) throw new ArgumentException("need 468 landmarks (x, y, z)", nameof(landmarks));
        float iod = Dist(landmarks, FaceLandmarks.RightEyeOuter, FaceLandmarks.LeftEyeOuter);
        if (iod <= 1e-6f) iod = 1e-6f;
        float mouth = Dist(landmarks, FaceLandmarks.UpperInnerLip, FaceLandmarks.LowerInnerLip);
        float eye = 0.5f * (Dist(landmarks, FaceLandmarks.RightEyeTop, FaceLandmarks.RightEyeBottom)
                          + Dist(landmarks, FaceLandmarks.LeftEyeTop, FaceLandmarks.LeftEyeBottom));
        float browR = DistToMid(landmarks, FaceLandmarks.RightBrow, FaceLandmarks.RightEyeOuter, FaceLandmarks.RightEyeInner);
        float browL = DistToMid(landmarks, FaceLandmarks.LeftBrow, FaceLandmarks.LeftEyeOuter, FaceLandmarks.LeftEyeInner);
        float width = Dist(landmarks, FaceLandmarks.MouthRight, FaceLandmarks.MouthLeft);
        return new FaceMeasures(mouth / iod, eye / iod, 0.5f * (browR + browL) / iod, width / iod);
    }

    private static float Dist(ReadOnlySpan<float> p, int a, int b)
    {
        float dx = p[3 * a] - p[3 * b], dy = p[3 * a + 1] - p[3 * b + 1];
        return MathF.Sqrt(dx * dx + dy * dy);
    }

    private static float DistToMid(ReadOnlySpan<float> p, int a, int b, int c)
    {
        float mx = 0.5f * (p[3 * b] + p[3 * c]), my = 0.5f * (p[3 * b + 1] + p[3 * c + 1]);
        float dx = p[3 * a] - mx, dy = p[3 * a + 1] - my;
        return MathF.Sqrt(dx * dx + dy * dy);
    }
}
