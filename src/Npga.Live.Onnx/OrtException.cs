namespace Npga.Live.Onnx;

/// <summary>
/// A native ONNX Runtime call failed. <see cref="Exception.Message"/> names the <c>OrtApi</c> entry and the error
/// code and then carries ORT's own text (<c>GetErrorMessage</c>) verbatim; the native status is always released.
/// </summary>
public sealed class OrtException : Exception
{
    private static readonly string[] CodeNames =
    [
        "ORT_OK", "ORT_FAIL", "ORT_INVALID_ARGUMENT", "ORT_NO_SUCHFILE", "ORT_NO_MODEL", "ORT_ENGINE_ERROR",
        "ORT_RUNTIME_EXCEPTION", "ORT_INVALID_PROTOBUF", "ORT_MODEL_LOADED", "ORT_NOT_IMPLEMENTED",
        "ORT_INVALID_GRAPH", "ORT_EP_FAIL",
    ];

    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="errorCode">ORT's <c>OrtErrorCode</c> (1 = ORT_FAIL, 2 = ORT_INVALID_ARGUMENT, 3 = ORT_NO_SUCHFILE, 7 = ORT_INVALID_PROTOBUF, 10 = ORT_INVALID_GRAPH, ...).</param>
    /// <param name="operation">The <c>OrtApi</c> entry that failed, e.g. <c>CreateSession</c>.</param>
    /// <param name="ortMessage">ORT's own message.</param>
    public OrtException(int errorCode, string operation, string ortMessage)
        : base($"ONNX Runtime {operation} failed ({CodeName(errorCode)}): {ortMessage}")
    {
        ErrorCode = errorCode;
        Operation = operation;
        OrtMessage = ortMessage;
    }

    /// <summary>ORT's <c>OrtErrorCode</c> value (never 0).</summary>
    public int ErrorCode { get; }

    /// <summary>The <c>OrtApi</c> entry that failed.</summary>
    public string Operation { get; }

    /// <summary>ORT's message exactly as <c>GetErrorMessage</c> returned it.</summary>
    public string OrtMessage { get; }

    private static string CodeName(int code) =>
        code >= 0 && code < CodeNames.Length ? CodeNames[code] : $"OrtErrorCode {code}";
}
