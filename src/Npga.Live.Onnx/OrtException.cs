using Microsoft.ML.OnnxRuntime;

namespace Npga.Live.Onnx;

/// <summary>
/// An ONNX Runtime call failed. <see cref="Exception.Message"/> names the operation and the error code and then
/// carries ORT's own text verbatim; the package's <see cref="OnnxRuntimeException"/>, when there is one, is the
/// inner exception.
/// </summary>
public sealed class OrtException : Exception
{
    private static readonly string[] CodeNames =
    [
        "ORT_OK", "ORT_FAIL", "ORT_INVALID_ARGUMENT", "ORT_NO_SUCHFILE", "ORT_NO_MODEL", "ORT_ENGINE_ERROR",
        "ORT_RUNTIME_EXCEPTION", "ORT_INVALID_PROTOBUF", "ORT_MODEL_LOADED", "ORT_NOT_IMPLEMENTED",
        "ORT_INVALID_GRAPH", "ORT_EP_FAIL",
    ];

    // How the package's OnnxRuntimeException spells the native OrtErrorCode at the start of its message
    // ("[ErrorCode:InvalidProtobuf] ..."), indexed by the code. Its enum predates ORT_EP_FAIL and calls 11 by an
    // older name; the number is the native one either way.
    private static readonly string[] PackageCodeNames =
    [
        "Ok", "Fail", "InvalidArgument", "NoSuchFile", "NoModel", "EngineError", "RuntimeException", "InvalidProtobuf",
        "ModelLoaded", "NotImplemented", "InvalidGraph", "ShapeInferenceNotRegistered", "RequirementNotRegistered",
    ];

    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="errorCode">ORT's <c>OrtErrorCode</c> (1 = ORT_FAIL, 2 = ORT_INVALID_ARGUMENT, 3 = ORT_NO_SUCHFILE, 7 = ORT_INVALID_PROTOBUF, 10 = ORT_INVALID_GRAPH, ...).</param>
    /// <param name="operation">The ORT operation that failed, e.g. <c>CreateSession</c>.</param>
    /// <param name="ortMessage">ORT's own message.</param>
    public OrtException(int errorCode, string operation, string ortMessage)
        : this(errorCode, operation, ortMessage, null)
    {
    }

    private OrtException(int errorCode, string operation, string ortMessage, Exception? inner)
        : base($"ONNX Runtime {operation} failed ({CodeName(errorCode)}): {ortMessage}", inner)
    {
        ErrorCode = errorCode;
        Operation = operation;
        OrtMessage = ortMessage;
    }

    /// <summary>ORT's <c>OrtErrorCode</c> value (never 0).</summary>
    public int ErrorCode { get; }

    /// <summary>The ORT operation that failed: <c>CreateSession</c>, <c>CreateSessionFromArray</c>, <c>Run</c>, ...</summary>
    public string Operation { get; }

    /// <summary>ORT's message exactly as the native library gave it.</summary>
    public string OrtMessage { get; }

    /// <summary>
    /// The exception for a failure the package reported: the code and ORT's text are read back from
    /// <see cref="OnnxRuntimeException"/>'s message ("[ErrorCode:Name] text"; ORT_FAIL when it has no such prefix).
    /// </summary>
    internal static OrtException From(OnnxRuntimeException e, string operation)
    {
        const string prefix = "[ErrorCode:";
        var text = e.Message;
        var code = 1;
        var end = text.IndexOf("] ", StringComparison.Ordinal);
        if (text.StartsWith(prefix, StringComparison.Ordinal) && end > prefix.Length)
        {
            var index = Array.IndexOf(PackageCodeNames, text[prefix.Length..end]);
            if (index > 0) code = index;
            text = text[(end + 2)..];
        }
        return new OrtException(code, operation, text, e);
    }

    private static string CodeName(int code) =>
        code >= 0 && code < CodeNames.Length ? CodeNames[code] : $"OrtErrorCode {code}";
}
