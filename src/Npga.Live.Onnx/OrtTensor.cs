namespace Npga.Live.Onnx;

/// <summary>
/// A named, dense, row-major tensor exchanged with <see cref="OrtSession.Run"/>. Exactly one of
/// <see cref="Float"/> and <see cref="Int64"/> is set, and its length equals the product of <see cref="Shape"/>
/// (1 for a scalar, shape <c>[]</c>). The arrays are used as they are, not copied.
/// </summary>
/// <param name="Name">The model input or output name.</param>
/// <param name="Shape">Dimensions, each 0 or more (no -1 here: a tensor has a concrete shape).</param>
/// <param name="Float">The values when the element type is float32.</param>
/// <param name="Int64">The values when the element type is int64.</param>
public sealed record OrtTensor(string Name, long[] Shape, float[]? Float = null, long[]? Int64 = null)
{
    /// <summary>The element type of whichever array is set (<see cref="OrtElementType.Undefined"/> when neither or both are).</summary>
    public OrtElementType ElementType => (Float, Int64) switch
    {
        ({ }, null) => OrtElementType.Float,
        (null, { }) => OrtElementType.Int64,
        _ => OrtElementType.Undefined,
    };

    /// <summary>A float32 tensor.</summary>
    public static OrtTensor FromFloat(string name, long[] shape, float[] values) => new(name, shape, Float: values);

    /// <summary>An int64 tensor.</summary>
    public static OrtTensor FromInt64(string name, long[] shape, long[] values) => new(name, shape, Int64: values);

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {ElementType}[{string.Join(",", Shape)}]";
}
