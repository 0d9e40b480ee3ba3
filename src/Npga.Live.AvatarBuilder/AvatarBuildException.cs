namespace Npga.Live.AvatarBuilder;

/// <summary>An avatar cannot be built from the given photo: no face, a face too small to model, … (the message says which).</summary>
public sealed class AvatarBuildException(string message) : Exception(message);
