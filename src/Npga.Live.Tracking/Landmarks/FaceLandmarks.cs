namespace Npga.Live.Tracking.Landmarks;

/// <summary>
/// Indices into MediaPipe's 468-point face mesh used by the tracker and the expression measures.
/// "Right" and "left" are the person's own (the right eye appears on the image's left).
/// </summary>
public static class FaceLandmarks
{
    /// <summary>Number of landmarks.</summary>
    public const int Count = 468;

    /// <summary>Outer corner of the right eye.</summary>
    public const int RightEyeOuter = 33;
    /// <summary>Outer corner of the left eye.</summary>
    public const int LeftEyeOuter = 263;
    /// <summary>Inner corner of the right eye.</summary>
    public const int RightEyeInner = 133;
    /// <summary>Inner corner of the left eye.</summary>
    public const int LeftEyeInner = 362;
    /// <summary>Right upper eyelid, middle.</summary>
    public const int RightEyeTop = 159;
    /// <summary>Right lower eyelid, middle.</summary>
    public const int RightEyeBottom = 145;
    /// <summary>Left upper eyelid, middle.</summary>
    public const int LeftEyeTop = 386;
    /// <summary>Left lower eyelid, middle.</summary>
    public const int LeftEyeBottom = 374;
    /// <summary>Upper inner lip, middle.</summary>
    public const int UpperInnerLip = 13;
    /// <summary>Lower inner lip, middle.</summary>
    public const int LowerInnerLip = 14;
    /// <summary>Right mouth corner.</summary>
    public const int MouthRight = 61;
    /// <summary>Left mouth corner.</summary>
    public const int MouthLeft = 291;
    /// <summary>Nose tip.</summary>
    public const int NoseTip = 1;
    /// <summary>Right eyebrow, upper middle.</summary>
    public const int RightBrow = 105;
    /// <summary>Left eyebrow, upper middle.</summary>
    public const int LeftBrow = 334;
    /// <summary>Chin.</summary>
    public const int Chin = 152;
    /// <summary>Forehead, top of the mesh's midline.</summary>
    public const int Forehead = 10;

    /// <summary>Inner lip contour, upper then lower (MediaPipe lipsUpperInner + lipsLowerInner).</summary>
    public static readonly int[] InnerLips = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95];

    /// <summary>Right eye opening contour (rightEyeUpper0 + rightEyeLower0).</summary>
    public static readonly int[] RightEye = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7];

    /// <summary>Left eye opening contour (leftEyeUpper0 + leftEyeLower0).</summary>
    public static readonly int[] LeftEye = [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249];

    /// <summary>Right eyebrow, upper edge then lower edge (MediaPipe rightEyebrowUpper + rightEyebrowLower without their
    /// end points 156, 193, 35 and 124, which lie on the temple and the nose bridge rather than on the brow).</summary>
    public static readonly int[] RightBrowContour = [70, 63, 105, 66, 107, 55, 65, 52, 53, 46];

    /// <summary>Left eyebrow, the mirror of <see cref="RightBrowContour"/> point by point.</summary>
    public static readonly int[] LeftBrowContour = [300, 293, 334, 296, 336, 285, 295, 282, 283, 276];
}
