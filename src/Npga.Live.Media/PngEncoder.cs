using System.Buffers.Binary;
using System.IO.Compression;
using Npga.Live.Core.Imaging;

namespace Npga.Live.Media;

/// <summary>
/// Writes an <see cref="RgbImage"/> as a PNG: 8-bit truecolour (colour type 2), no interlace,
/// filter type 0 on every row, one zlib stream split into 64 KiB IDAT chunks. Lossless: any PNG
/// decoder reads back the exact pixels.
/// </summary>
internal static class PngEncoder
{
    private const int IdatChunk = 64 * 1024;

    public static void Write(RgbImage image, Stream output, CompressionLevel level = CompressionLevel.Fastest)
    {
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)image.Width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)image.Height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 2;  // colour type: truecolour
        ihdr[10] = 0; // compression: deflate
        ihdr[11] = 0; // filter method 0
        ihdr[12] = 0; // no interlace
        WriteChunk(output, "IHDR"u8, ihdr);

        using (var idat = new IdatStream(output))
        using (var z = new ZLibStream(idat, level, leaveOpen: true))
        {
            ReadOnlySpan<byte> none = [0];
            for (int y = 0; y < image.Height; y++)
            {
                z.Write(none);
                z.Write(image.Row(y));
            }
        }

        WriteChunk(output, "IEND"u8, ReadOnlySpan<byte>.Empty);
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        uint crc = ~Crc32.Update(Crc32.Update(0xFFFFFFFFu, type), data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }

    /// <summary>Buffers the zlib stream and emits it as IDAT chunks.</summary>
    private sealed class IdatStream(Stream output) : Stream
    {
        private readonly byte[] _buffer = new byte[IdatChunk];
        private int _count;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                int n = Math.Min(data.Length, _buffer.Length - _count);
                data[..n].CopyTo(_buffer.AsSpan(_count));
                _count += n;
                data = data[n..];
                if (_count == _buffer.Length) Flush();
            }
        }

        public override void Flush()
        {
            if (_count == 0) return;
            WriteChunk(output, "IDAT"u8, _buffer.AsSpan(0, _count));
            _count = 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) Flush();
            base.Dispose(disposing);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
