namespace Npga.Live.Server.Access;

/// <summary>
/// Reads a secret (the join-token signing secret, the admin API key) from a file: its bytes with leading and trailing
/// ASCII whitespace (a final newline) removed. Make one with e.g. <c>head -c 48 /dev/urandom | base64 &gt; FILE</c> and
/// keep it readable by the server's user only.
/// </summary>
public static class SecretFile
{
    /// <summary>The secret in <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What it is, for the error message (e.g. "token secret").</param>
    /// <param name="minBytes">The fewest bytes accepted after trimming.</param>
    /// <exception cref="InvalidOperationException">The file cannot be read, or holds fewer than <paramref name="minBytes"/> bytes (the message names the file).</exception>
    public static byte[] Read(string path, string what, int minBytes)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidOperationException($"cannot read the {what} file {path}: {e.Message}", e);
        }
        var trimmed = bytes.AsSpan().Trim(" \t\r\n"u8).ToArray();
        if (trimmed.Length < minBytes)
            throw new InvalidOperationException($"the {what} file {path} holds {trimmed.Length} bytes; at least {minBytes} are needed (e.g. head -c 48 /dev/urandom | base64 > {path})");
        return trimmed;
    }
}
