namespace Npga.Live.Onnx;

/// <summary>
/// Element type of a tensor: the values of ORT's <c>ONNXTensorElementDataType</c> (the same numbers as ONNX's
/// <c>TensorProto.DataType</c>). <see cref="OrtSession.Run"/> exchanges <see cref="Float"/> and <see cref="Int64"/>
/// tensors, <see cref="OrtRunner"/> only <see cref="Float"/>; the others show up in metadata.
/// </summary>
public enum OrtElementType
{
    /// <summary>Not a tensor, or an unknown type.</summary>
    Undefined = 0,
    /// <summary>32-bit IEEE float.</summary>
    Float = 1,
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,
    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 3,
    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 4,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 5,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 6,
    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 7,
    /// <summary>String.</summary>
    String = 8,
    /// <summary>Boolean (one byte).</summary>
    Bool = 9,
    /// <summary>IEEE half float.</summary>
    Float16 = 10,
    /// <summary>64-bit IEEE float.</summary>
    Double = 11,
    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 12,
    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 13,
    /// <summary>Complex of two floats.</summary>
    Complex64 = 14,
    /// <summary>Complex of two doubles.</summary>
    Complex128 = 15,
    /// <summary>bfloat16.</summary>
    BFloat16 = 16,
}
