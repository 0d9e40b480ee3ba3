using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Npga.Live.Rendering.Cpu;

/// <summary>
/// The few float-vector operations the rasterizer needs, so that its kernel is written once and the JIT
/// specialises it per vector width (a generic method over a struct type parameter is compiled separately
/// for each struct, with these calls inlined): <see cref="Lanes512"/> evaluates a whole 16-pixel tile row
/// at once, <see cref="Lanes256"/> half a row.
/// </summary>
internal interface ILanes<TVec> where TVec : struct
{
    static abstract int Count { get; }
    static abstract bool IsSupported { get; }
    static abstract TVec Zero { get; }
    static abstract TVec Iota { get; }
    static abstract TVec Splat(float x);
    static abstract TVec Add(TVec a, TVec b);
    static abstract TVec Sub(TVec a, TVec b);
    static abstract TVec Mul(TVec a, TVec b);
    /// <summary>a·b + c, fused.</summary>
    static abstract TVec Fma(TVec a, TVec b, TVec c);
    /// <summary>Lane-wise minimum (the hardware's: NaN handling unspecified).</summary>
    static abstract TVec Min(TVec a, TVec b);
    /// <summary>2^x for x ≤ 0 (see <see cref="FastExp2"/>).</summary>
    static abstract TVec Exp2(TVec x);
    static abstract TVec GreaterOrEqual(TVec a, TVec b);
    static abstract TVec LessThan(TVec a, TVec b);
    static abstract TVec And(TVec a, TVec b);
    /// <summary>a &amp; ~b.</summary>
    static abstract TVec AndNot(TVec a, TVec b);
    /// <summary>mask ? a : b, lane by lane.</summary>
    static abstract TVec Select(TVec mask, TVec a, TVec b);
    static abstract bool Any(TVec mask);
    static abstract TVec Load(ref float src);
    static abstract void Store(TVec v, ref float dst);
}

/// <summary>
/// 2^x in single precision for x ≤ 0: x = n + f with n = round(x), |f| ≤ ½, a degree-5 polynomial for 2^f
/// (fitted for least maximum relative error on [−½, ½]: 7.5e−8, about 2 ulp once evaluated in float), and
/// 2^n built in the exponent bits. Inputs below −126 are clamped (2^−126 ≈ 1.2e−38; the rasterizer discards
/// anything below 2^−8 anyway). Twelve vector instructions, against some forty for the BCL's vector Exp,
/// which widens to double.
/// </summary>
internal static class FastExp2
{
    public const float C0 = 1.0000001f, C1 = 0.69314694f, C2 = 0.2402212f, C3 = 0.055507135f, C4 = 0.009675541f, C5 = 0.0013276467f;
    public const float Lowest = -60f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp2(Vector512<float> x)
    {
        x = Vector512.MaxNative(x, Vector512.Create(Lowest));
        var n = Vector512.Round(x);
        var f = x - n;
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(C5), f, Vector512.Create(C4));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(C3));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(C2));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(C1));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(C0));
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n) + Vector512.Create(127), 23).AsSingle();
        return p * scale;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp2(Vector256<float> x)
    {
        x = Vector256.MaxNative(x, Vector256.Create(Lowest));
        var n = Vector256.Round(x);
        var f = x - n;
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(C5), f, Vector256.Create(C4));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(C3));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(C2));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(C1));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(C0));
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();
        return p * scale;
    }

    /// <summary>The same, one value at a time (for the tests).</summary>
    public static float Exp2(float x)
    {
        x = MathF.Max(x, Lowest);
        float n = MathF.Round(x);
        float f = x - n;
        float p = MathF.FusedMultiplyAdd(C5, f, C4);
        p = MathF.FusedMultiplyAdd(p, f, C3);
        p = MathF.FusedMultiplyAdd(p, f, C2);
        p = MathF.FusedMultiplyAdd(p, f, C1);
        p = MathF.FusedMultiplyAdd(p, f, C0);
        return p * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }
}

/// <summary>16 lanes (AVX-512): one full tile row per vector.</summary>
internal readonly struct Lanes512 : ILanes<Vector512<float>>
{
    public static int Count => 16;
    public static bool IsSupported => Vector512.IsHardwareAccelerated;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<float> Iota => Vector512<float>.Indices;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Splat(float x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Sub(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Exp2(Vector512<float> x) => FastExp2.Exp2(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> GreaterOrEqual(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> LessThan(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> And(Vector512<float> a, Vector512<float> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> AndNot(Vector512<float> a, Vector512<float> b) => Vector512.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Select(Vector512<float> m, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(m, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector512<float> m) => Vector512.ExtractMostSignificantBits(m) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float src) => Vector512.LoadUnsafe(ref src);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> v, ref float dst) => v.StoreUnsafe(ref dst);
}

/// <summary>8 lanes (AVX2): half a tile row per vector.</summary>
internal readonly struct Lanes256 : ILanes<Vector256<float>>
{
    public static int Count => 8;
    public static bool IsSupported => Vector256.IsHardwareAccelerated;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> Iota => Vector256<float>.Indices;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sub(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Exp2(Vector256<float> x) => FastExp2.Exp2(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> GreaterOrEqual(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LessThan(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> And(Vector256<float> a, Vector256<float> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> AndNot(Vector256<float> a, Vector256<float> b) => Vector256.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<float> m, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(m, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector256<float> m) => Vector256.ExtractMostSignificantBits(m) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float src) => Vector256.LoadUnsafe(ref src);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, ref float dst) => v.StoreUnsafe(ref dst);
}
