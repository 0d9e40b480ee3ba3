namespace Npga.Live.Onnx;

/// <summary>One input or output of a loaded model, as ORT reports it.</summary>
/// <param name="Name">The graph input or output name.</param>
/// <param name="ElementType">The tensor element type; <see cref="OrtElementType.Undefined"/> for non-tensor values (sequences, maps).</param>
/// <param name="Shape">One entry per dimension; -1 where the model leaves a dimension dynamic (symbolic or unknown). Empty for scalars and for values whose rank the model does not state.</param>
public sealed record OrtNodeInfo(string Name, OrtElementType ElementType, long[] Shape)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name}: {ElementType}[{string.Join(",", Shape)}]";
}
