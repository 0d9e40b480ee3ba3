using System.Buffers.Binary;

namespace Npga.Live.Media;

/// <summary>
/// Reads the pixel size of a still image from its header (PNG IHDR, JPEG SOFn, GIF screen, BMP
/// info header) without decoding it, so oversized images are refused before any pixel is touched.
/// </summary>
internal static class ImageHeader
{
    /// <summary>Tries to read the size; false when the file is not one of these formats or the header is unusable.</summary>
    /// <param name="path">The file.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="format">"PNG", "JPEG", "GIF" or "BMP".</param>
    public static bool TryReadSize(string path, out long width, out long height, out string format)
    {
        width = height = 0;
        format = "";
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096);
            Span<byte> head = stackalloc byte[32];
            int n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            head = head[..n];
            if (n >= 24 && head[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])
                && head.Slice(12, 4).SequenceEqual("IHDR"u8))
            {
                format = "PNG";
                width = BinaryPrimitives.ReadUInt32BigEndian(head.Slice(16, 4));
                height = BinaryPrimitives.ReadUInt32BigEndian(head.Slice(20, 4));
                return width > 0 && height > 0;
            }
            if (n >= 10 && (head[..6].SequenceEqual("GIF87a"u8) || head[..6].SequenceEqual("GIF89a"u8)))
            {
                format = "GIF";
                width = BinaryPrimitives.ReadUInt16LittleEndian(head.Slice(6, 2));
                height = BinaryPrimitives.ReadUInt16LittleEndian(head.Slice(8, 2));
                return width > 0 && height > 0;
            }
            if (n >= 26 && head[0] == 'B' && head[1] == 'M' && BinaryPrimitives.ReadUInt32LittleEndian(head.Slice(14, 4)) >= 40)
            {
                format = "BMP";
                width = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(head.Slice(18, 4)));
                height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(head.Slice(22, 4)));
                return width > 0 && height > 0;
            }
            if (n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
            {
                format = "JPEG";
                f.Position = 2;
                return TryReadJpegSize(f, out width, out height);
            }
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool TryReadJpegSize(Stream f, out long width, out long height)
    {
        width = height = 0;
        Span<byte> seg = stackalloc byte[7];
        // Walk the marker segments up to start-of-scan; at most 64 segments.
        for (int i = 0; i < 64; i++)
        {
            int b = f.ReadByte();
            if (b != 0xFF) return false;
            int marker;
            do { marker = f.ReadByte(); } while (marker == 0xFF);
            if (marker < 0) return false;
            if (marker is 0x01 or (>= 0xD0 and <= 0xD8)) continue; // no length
            if (marker is 0xD9 or 0xDA) return false;               // EOI, SOS: no frame header seen
            if (f.ReadAtLeast(seg[..2], 2, throwOnEndOfStream: false) < 2) return false;
            int len = BinaryPrimitives.ReadUInt16BigEndian(seg[..2]);
            if (len < 2) return false;
            bool sof = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (sof)
            {
                if (f.ReadAtLeast(seg[..5], 5, throwOnEndOfStream: false) < 5) return false;
                height = BinaryPrimitives.ReadUInt16BigEndian(seg.Slice(1, 2));
                width = BinaryPrimitives.ReadUInt16BigEndian(seg.Slice(3, 2));
                return width > 0 && height > 0;
            }
            f.Seek(len - 2, SeekOrigin.Current);
        }
        return false;
    }
}
