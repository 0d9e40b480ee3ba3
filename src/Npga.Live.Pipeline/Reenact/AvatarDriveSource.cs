namespace Npga.Live.Pipeline.Reenact;

/// <summary>Where an <see cref="AvatarDrive"/> came from.</summary>
public enum AvatarDriveSource
{
    /// <summary>The driver's face was tracked in this frame: its code and head rotation, as tracked.</summary>
    Tracked,

    /// <summary>The face is lost: the last tracked state, easing to neutral.</summary>
    Easing,

    /// <summary>No face has been tracked yet: neutral (z_exp = 0, R = I).</summary>
    Neutral,
}
