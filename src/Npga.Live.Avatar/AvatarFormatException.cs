namespace Npga.Live.Avatar;

/// <summary>
/// An avatar package (format <c>npga-avatar/1</c>, docs/architecture.md) is missing, damaged, or does not fit
/// the caller: a missing directory or file, malformed or incomplete <c>avatar.json</c>, an unknown format
/// version, a truncated or mis-laid-out <c>canonical.ply</c>, non-finite values, an ONNX file that is not ONNX
/// or breaks the network contract, or an expression model other than the one the caller drives it with.
/// <see cref="Exception.Message"/> is <c>"&lt;file&gt;: &lt;problem&gt;"</c>; ORT's own message, where there is
/// one, is part of the problem text and the <see cref="Npga.Live.Onnx.OrtException"/> is the inner exception.
/// </summary>
public sealed class AvatarFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file or directory at fault.</param>
    /// <param name="problem">What is wrong with it, in words.</param>
    /// <param name="inner">The underlying error (JSON parser, I/O, ORT), if any.</param>
    public AvatarFormatException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {problem}", inner)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file or directory at fault.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
