using System.Buffers.Binary;
using System.Text;

namespace Npga.Live.Refine;

/// <summary>One convolution of a screen-space CNN: weight [Cout, Cin, K, K] (row-major), bias [Cout], square kernel K with
/// 'same' zero padding K/2, stride 1.</summary>
/// <param name="Weight">Weights, Cout·Cin·K·K floats.</param>
/// <param name="Bias">Biases, Cout floats.</param>
/// <param name="Cout">Output channels.</param>
/// <param name="Cin">Input channels.</param>
/// <param name="Kernel">Kernel size K (odd).</param>
public sealed record ConvLayer(float[] Weight, float[] Bias, int Cout, int Cin, int Kernel);

/// <summary>
/// Reads the convolutions of a package's <c>cnn.onnx</c> when the graph is the light screen-space CNN the trainer exports
/// with <c>--cnn-kernels k,1</c> (scripts/training/export.py <c>cnn_graph</c>): rgb = image[:, :3] + Conv1x1(Relu(ConvKxK(image))).
/// Only the ONNX protobuf fields that graph uses are read (ModelProto.graph; GraphProto.node, .initializer; NodeProto
/// input/output/op_type/attribute; TensorProto dims/data_type/raw_data/float_data). Any other graph is reported as not
/// light (<see cref="TryReadLight"/> returns false) and is run by ORT instead.
/// </summary>
public static class OnnxConvGraph
{
    /// <summary>The two convolutions of a light CNN, or false (with the reason) for any other graph.</summary>
    /// <param name="path">cnn.onnx.</param>
    /// <param name="first">The K×K convolution, image (3+L channels) → hidden.</param>
    /// <param name="second">The 1×1 convolution, hidden → 3.</param>
    /// <param name="why">Why the graph is not light (null when it is).</param>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static bool TryReadLight(string path, out ConvLayer? first, out ConvLayer? second, out string? why)
    {
        first = second = null;
        try
        {
            var model = File.ReadAllBytes(path);
            byte[]? graph = null;
            foreach (var (field, _, data) in Fields(model))
                if (field == 7) graph = data;
            if (graph is null) return Fail("no graph", out why);
            var nodes = new List<Node>();
            var tensors = new Dictionary<string, (long[] Dims, float[] Data)>();
            foreach (var (field, _, data) in Fields(graph))
            {
                if (field == 1) nodes.Add(ReadNode(data!));
                else if (field == 5) { var t = ReadTensor(data!); if (t.Name is not null) tensors[t.Name] = (t.Dims, t.Data); }
            }
            var ops = string.Join(",", nodes.Select(n => n.Op));
            if (ops != "Conv,Relu,Conv,Slice,Add") return Fail($"nodes {ops}", out why);
            var c1 = nodes[0]; var relu = nodes[1]; var c2 = nodes[2]; var slice = nodes[3]; var add = nodes[4];
            if (c1.Inputs[0] != "image" || relu.Inputs[0] != c1.Outputs[0] || c2.Inputs[0] != relu.Outputs[0] || slice.Inputs[0] != "image"
                || !add.Inputs.Contains(slice.Outputs[0]) || !add.Inputs.Contains(c2.Outputs[0]) || add.Outputs[0] != "rgb")
                return Fail("unexpected wiring", out why);
            if (!tensors.TryGetValue(slice.Inputs[1], out var s0) || !tensors.TryGetValue(slice.Inputs[2], out var s3) || s0.Data.Length != 1
                || s0.Data[0] != 0 || s3.Data[0] != 3)
                return Fail("the residual is not image[:, 0:3]", out why);
            first = Conv(c1, tensors);
            second = Conv(c2, tensors);
            if (first is null || second is null) return Fail("a convolution is not square, 'same'-padded and stride 1", out why);
            if (second.Kernel != 1 || second.Cout != 3 || second.Cin != first.Cout) return Fail("the second convolution is not 1x1 to RGB", out why);
            why = null;
            return true;
        }
        catch (InvalidDataException e)
        {
            return Fail(e.Message, out why);
        }
    }

    private static bool Fail(string reason, out string? why)
    {
        why = reason;
        return false;
    }

    private sealed record Node(string Op, List<string> Inputs, List<string> Outputs, Dictionary<string, long[]> Ints);

    private static ConvLayer? Conv(Node n, Dictionary<string, (long[] Dims, float[] Data)> tensors)
    {
        if (n.Inputs.Count != 3 || !tensors.TryGetValue(n.Inputs[1], out var w) || !tensors.TryGetValue(n.Inputs[2], out var b)) return null;
        if (w.Dims.Length != 4 || w.Dims[2] != w.Dims[3] || w.Dims[2] % 2 == 0) return null;
        int k = (int)w.Dims[2];
        long[] pads = n.Ints.GetValueOrDefault("pads") ?? [0, 0, 0, 0];
        if (pads.Length != 4 || pads.Any(p => p != k / 2)) return null;
        if (n.Ints.TryGetValue("strides", out var st) && st.Any(s => s != 1)) return null;
        if (n.Ints.TryGetValue("dilations", out var dl) && dl.Any(d => d != 1)) return null;
        if (n.Ints.TryGetValue("group", out var g) && g[0] != 1) return null;
        if (b.Data.Length != w.Dims[0]) return null;
        return new ConvLayer(w.Data, b.Data, (int)w.Dims[0], (int)w.Dims[1], k);
    }

    private static Node ReadNode(byte[] data)
    {
        var n = new Node("", [], [], []);
        string op = "";
        foreach (var (field, _, d) in Fields(data))
        {
            switch (field)
            {
                case 1: n.Inputs.Add(Encoding.UTF8.GetString(d!)); break;
                case 2: n.Outputs.Add(Encoding.UTF8.GetString(d!)); break;
                case 4: op = Encoding.UTF8.GetString(d!); break;
                case 5:
                    string? name = null;
                    var ints = new List<long>();
                    long? single = null;
                    foreach (var (af, aw, ad) in Fields(d!))
                    {
                        if (af == 1) name = Encoding.UTF8.GetString(ad!);
                        else if (af == 3 && aw == 0) single = Varint(ad!);
                        else if (af == 8 && aw == 0) ints.Add(Varint(ad!));
                        else if (af == 8 && aw == 2) ints.AddRange(PackedVarints(ad!));
                    }
                    if (name is not null) n.Ints[name] = ints.Count > 0 ? [.. ints] : single is { } v ? [v] : [];
                    break;
            }
        }
        return n with { Op = op };
    }

    private static (string? Name, long[] Dims, float[] Data) ReadTensor(byte[] data)
    {
        string? name = null;
        var dims = new List<long>();
        int type = 0;
        byte[]? raw = null;
        var floats = new List<float>();
        var int64s = new List<long>();
        foreach (var (field, wire, d) in Fields(data))
        {
            switch (field)
            {
                case 1: if (wire == 0) dims.Add(Varint(d!)); else dims.AddRange(PackedVarints(d!)); break;
                case 2: type = (int)Varint(d!); break;
                case 4:
                    if (wire == 5) floats.Add(BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadInt32LittleEndian(d)));
                    else for (int i = 0; i + 4 <= d!.Length; i += 4) floats.Add(BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(i))));
                    break;
                case 7: if (wire == 0) int64s.Add(Varint(d!)); else int64s.AddRange(PackedVarints(d!)); break;
                case 8: name = Encoding.UTF8.GetString(d!); break;
                case 9: raw = d; break;
            }
        }
        float[] values = type switch
        {
            1 when raw is not null => Enumerable.Range(0, raw.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i))).ToArray(),
            1 => [.. floats],
            7 when raw is not null => Enumerable.Range(0, raw.Length / 8).Select(i => (float)BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(8 * i))).ToArray(),
            7 => int64s.Select(v => (float)v).ToArray(),
            _ => [],
        };
        return (name, [.. dims], values);
    }

    /// <summary>The fields of one protobuf message: (field number, wire type, payload: the varint's bytes, the 4 or 8 fixed
    /// bytes, or the length-delimited bytes).</summary>
    private static IEnumerable<(int Field, int Wire, byte[] Data)> Fields(byte[] msg)
    {
        int pos = 0;
        while (pos < msg.Length)
        {
            ulong key = ReadVarint(msg, ref pos);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    int start = pos;
                    ReadVarint(msg, ref pos);
                    yield return (field, wire, msg[start..pos]);
                    break;
                case 1: Need(msg, pos, 8); yield return (field, wire, msg[pos..(pos + 8)]); pos += 8; break;
                case 5: Need(msg, pos, 4); yield return (field, wire, msg[pos..(pos + 4)]); pos += 4; break;
                case 2:
                    long len = (long)ReadVarint(msg, ref pos);
                    if (len < 0 || len > msg.Length - pos) throw new InvalidDataException("truncated ONNX protobuf");
                    yield return (field, wire, msg[pos..(pos + (int)len)]);
                    pos += (int)len;
                    break;
                default: throw new InvalidDataException($"unsupported protobuf wire type {wire}");
            }
        }
    }

    private static void Need(byte[] msg, int pos, int n)
    {
        if (pos + n > msg.Length) throw new InvalidDataException("truncated ONNX protobuf");
    }

    private static ulong ReadVarint(byte[] msg, ref int pos)
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= msg.Length) throw new InvalidDataException("truncated ONNX protobuf varint");
            byte b = msg[pos++];
            v |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new InvalidDataException("malformed ONNX protobuf varint");
    }

    private static long Varint(byte[] d)
    {
        int p = 0;
        return (long)ReadVarint(d, ref p);
    }

    private static IEnumerable<long> PackedVarints(byte[] d)
    {
        int p = 0;
        while (p < d.Length) yield return (long)ReadVarint(d, ref p);
    }
}
