using Npga.Live.Onnx;

namespace Npga.Live.Avatar;

/// <summary>One dimension of a contract tensor: a fixed size (<see cref="Size"/> ≥ 0) or any size (−1), and its label for messages.</summary>
internal readonly record struct ContractDim(long Size, string Label)
{
    public static ContractDim Fixed(long size) => new(size, size.ToString(System.Globalization.CultureInfo.InvariantCulture));
    public static ContractDim Named(string symbol, long size) => new(size, $"{symbol}={size}");
    public static ContractDim Any(string symbol) => new(-1, symbol);
    public override string ToString() => Label;
}

/// <summary>A tensor of a network contract: its name and dimensions (all float32).</summary>
internal sealed record ContractTensor(string Name, ContractDim[] Dims)
{
    public override string ToString() => $"{Name} [{string.Join(",", Dims)}]";
}

/// <summary>
/// The networks' input/output contract of <c>npga-avatar/1</c> (docs/architecture.md) and its check against what ORT
/// reports for a loaded model: the same input and output names (no more, no fewer; any order), float32, the same rank,
/// and every dimension the model fixes equal to the contract's (a dynamic dimension, −1, fits anything).
/// </summary>
internal static class NetworkContract
{
    public static ContractTensor[] FInputs(long n, int d, int k) =>
    [
        new("mu", [ContractDim.Named("N", n), ContractDim.Fixed(3)]),
        new("feat", [ContractDim.Named("N", n), ContractDim.Named("feature_dim", d)]),
        new("z_exp", [ContractDim.Fixed(1), ContractDim.Named("K", k)]),
    ];

    public static ContractTensor[] FOutputs(long n) => [new("d_mu", [ContractDim.Named("N", n), ContractDim.Fixed(3)])];

    public static ContractTensor[] GOutputs(long n, int shDegree, int latentDim)
    {
        var nDim = ContractDim.Named("N", n);
        var coeffs = (shDegree + 1) * (shDegree + 1);
        var list = new List<ContractTensor>
        {
            new("d_mu", [nDim, ContractDim.Fixed(3)]),
            new("d_rot", [nDim, ContractDim.Fixed(4)]),
            new("d_scale", [nDim, ContractDim.Fixed(3)]),
            new("d_opacity", [nDim, ContractDim.Fixed(1)]),
            new("d_sh", [nDim, ContractDim.Named("3(d+1)²", 3 * coeffs)]),
        };
        // A G of an avatar without latents has no d_latent (an [N,0] tensor is of no use).
        if (latentDim > 0) list.Add(new("d_latent", [nDim, ContractDim.Named("latent_dim", latentDim)]));
        return list.ToArray();
    }

    public static ContractTensor[] PreInputs(long n, int d) => FInputs(n, d, 1)[..2];

    public static ContractTensor[] PreOutputs(long n) => [new("h0", [ContractDim.Named("N", n), ContractDim.Any("H")])];

    public static ContractTensor[] PostInputs(long n, long hidden, int k) =>
    [
        new("h0", [ContractDim.Named("N", n), hidden < 0 ? ContractDim.Any("H") : ContractDim.Named("H", hidden)]),
        new("z_exp", [ContractDim.Fixed(1), ContractDim.Named("K", k)]),
    ];

    public static ContractTensor[] CnnInputs(int latentDim) =>
        [new("image", [ContractDim.Fixed(1), ContractDim.Named("3+latent_dim", 3 + latentDim), ContractDim.Any("H"), ContractDim.Any("W")])];

    public static ContractTensor[] CnnOutputs() =>
        [new("rgb", [ContractDim.Fixed(1), ContractDim.Fixed(3), ContractDim.Any("H"), ContractDim.Any("W")])];

    /// <summary>Checks a model's inputs or outputs against the contract.</summary>
    /// <param name="path">The model file (for the message).</param>
    /// <param name="role">What the network is, e.g. "F (NPGA eq. 4)".</param>
    /// <param name="kind">"input" or "output".</param>
    /// <param name="actual">What ORT reports.</param>
    /// <param name="expected">The contract.</param>
    /// <param name="signature">The whole contract in words, for the message.</param>
    /// <exception cref="AvatarFormatException">A difference; the message names the file, the tensor and the rule.</exception>
    public static void Check(string path, string role, string kind, IReadOnlyList<OrtNodeInfo> actual,
        IReadOnlyList<ContractTensor> expected, string signature)
    {
        string Has() => string.Join(", ", actual.Select(a => $"{a.Name} {a.ElementType}[{string.Join(",", a.Shape)}]"));
        AvatarFormatException Fail(string problem) =>
            new(path, $"{role}: {problem}. The contract is {signature}; this model's {kind}s are {Has()}");

        foreach (var e in expected)
        {
            var a = actual.FirstOrDefault(x => x.Name == e.Name);
            if (a is null) throw Fail($"has no {kind} '{e.Name}'");
            if (a.ElementType != OrtElementType.Float)
                throw Fail($"{kind} '{e.Name}' is {a.ElementType}, not float32");
            if (a.Shape.Length != e.Dims.Length)
                throw Fail($"{kind} '{e.Name}' has rank {a.Shape.Length} [{string.Join(",", a.Shape)}], not rank {e.Dims.Length} [{string.Join(",", e.Dims)}]");
            for (var i = 0; i < e.Dims.Length; i++)
            {
                var want = e.Dims[i];
                var got = a.Shape[i];
                if (got < 0 || want.Size < 0 || got == want.Size) continue;
                var why = want.Label.StartsWith("N=", StringComparison.Ordinal)
                    ? $"the model fixes N = {got}, but canonical.ply holds {want.Size} Gaussians"
                    : $"dimension {i} is {got}, not {want.Label}";
                throw Fail($"{kind} '{e.Name}' is [{string.Join(",", a.Shape)}]: {why}");
            }
        }
        foreach (var a in actual)
            if (!expected.Any(e => e.Name == a.Name))
                throw Fail($"has an unexpected {kind} '{a.Name}'");
    }

    public static string Signature(IReadOnlyList<ContractTensor> inputs, IReadOnlyList<ContractTensor> outputs) =>
        $"({string.Join(", ", inputs)}) -> ({string.Join(", ", outputs)})";
}
