namespace Npga.Live.Onnx;

/// <summary>ORT's <c>GraphOptimizationLevel</c>: how much ORT rewrites the graph when it loads a model.</summary>
public enum OrtGraphOptimizationLevel
{
    /// <summary>No graph optimizations (<c>ORT_DISABLE_ALL</c>).</summary>
    Disabled = 0,
    /// <summary>Semantics-preserving rewrites such as constant folding (<c>ORT_ENABLE_BASIC</c>).</summary>
    Basic = 1,
    /// <summary>Basic plus node fusions (<c>ORT_ENABLE_EXTENDED</c>).</summary>
    Extended = 2,
    /// <summary>Everything, layout optimizations included (<c>ORT_ENABLE_ALL</c>).</summary>
    All = 99,
}
