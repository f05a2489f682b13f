using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hfy.Cli.Bench;

/// <summary>
/// The machine's limits the benchmarks measure in the same run (FMA peak, streaming read bandwidth) and the one
/// timing rule they share: one warm-up, then the best of the timed repeats.
/// </summary>
internal static class MachineLimits
{
    /// <summary>One warm-up run (JIT, page faults), then the best of <paramref name="repeats"/> (at least one) timed runs.</summary>
    public static TimeSpan Best(int repeats, Action action)
    {
        action();
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < Math.Max(1, repeats); i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            var elapsed = sw.Elapsed;
            if (elapsed < best) best = elapsed;
        }
        return best;
    }

    /// <summary><see cref="Best"/> in milliseconds.</summary>
    public static double BestMs(int repeats, Action action) => Best(repeats, action).TotalMilliseconds;

    /// <summary><see cref="Best"/> in seconds.</summary>
    public static double BestSeconds(int repeats, Action action) => Best(repeats, action).TotalSeconds;

    /// <summary>Sums the whole buffer with SIMD on all cores (the same chunking as the scorer): the read-bandwidth reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float SimdSum(float[] data)
    {
        const int chunk = 1 << 16;
        var tasks = (int)((data.LongLength + chunk - 1) / chunk);
        var partial = new float[tasks];
        fixed (float* p = data)
        {
            var pa = (nint)p;
            Parallel.For(0, tasks, t =>
            {
                var start = (long)t * chunk;
                var end = Math.Min(data.LongLength, start + chunk);
                var ptr = (float*)pa;
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                var i = start;
                for (; i + 32 <= end; i += 32)
                {
                    a0 += Vector256.Load(ptr + i);
                    a1 += Vector256.Load(ptr + i + 8);
                    a2 += Vector256.Load(ptr + i + 16);
                    a3 += Vector256.Load(ptr + i + 24);
                }
                var s = Vector256.Sum(a0 + a1 + a2 + a3);
                for (; i < end; i++) s += ptr[i];
                partial[t] = s;
            });
        }
        return partial.Sum();
    }

    /// <summary>
    /// FMA peak in GFLOP/s: 12 independent FMA chains in registers on every core, 2 FLOP per lane per FMA; the best of
    /// <paramref name="runs"/> timed runs.
    /// </summary>
    public static double FmaPeakGflops(int runs)
    {
        var cores = Environment.ProcessorCount;
        var iterations = 100_000;
        double Once()
        {
            var sw = Stopwatch.StartNew();
            Parallel.For(0, cores, _ => FmaLoop(iterations));
            return sw.Elapsed.TotalSeconds;
        }
        // Grow the loop until one run takes ≥ 50 ms, so timer and thread start-up are negligible.
        while (Once() < 0.05 && iterations < 100_000_000) iterations *= 4;
        var seconds = Once();
        for (var r = 1; r < runs; r++) seconds = Math.Min(seconds, Once());
        var lanes = Vector512.IsHardwareAccelerated ? 16 : 8;
        return 2.0 * lanes * 12 * iterations * (double)cores / seconds / 1e9;
    }

    /// <summary>The widest SIMD the JIT uses here, in words.</summary>
    public static string SimdName() =>
        Vector512.IsHardwareAccelerated ? "AVX-512 (Vector512)" : Vector256.IsHardwareAccelerated ? "AVX2 (Vector256)" : "no wide SIMD";

    private static float FmaLoop(int iterations) =>
        Vector512.IsHardwareAccelerated ? FmaChains<Vector512<float>, Fma512>(iterations) : FmaChains<Vector256<float>, Fma256>(iterations);

    /// <summary>12 independent chains c ← c·m + a; struct <typeparamref name="TOps"/> so the JIT specialises the loop per vector width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float FmaChains<TVector, TOps>(int iterations)
        where TVector : struct
        where TOps : struct, IFmaOps<TVector>
    {
        var m = TOps.Create(0.999999f);
        var a = TOps.Create(1e-7f);
        TVector c0 = TOps.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (var i = 0; i < iterations; i++)
        {
            c0 = TOps.Fma(c0, m, a); c1 = TOps.Fma(c1, m, a);
            c2 = TOps.Fma(c2, m, a); c3 = TOps.Fma(c3, m, a);
            c4 = TOps.Fma(c4, m, a); c5 = TOps.Fma(c5, m, a);
            c6 = TOps.Fma(c6, m, a); c7 = TOps.Fma(c7, m, a);
            c8 = TOps.Fma(c8, m, a); c9 = TOps.Fma(c9, m, a);
            c10 = TOps.Fma(c10, m, a); c11 = TOps.Fma(c11, m, a);
        }
        var total = c0;
        foreach (var c in (ReadOnlySpan<TVector>)[c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11]) total = TOps.Add(total, c);
        return TOps.Sum(total);
    }

    private interface IFmaOps<TVector>
    {
        static abstract TVector Create(float value);

        static abstract TVector Fma(TVector c, TVector m, TVector a);

        static abstract TVector Add(TVector x, TVector y);

        static abstract float Sum(TVector v);
    }

    private readonly struct Fma512 : IFmaOps<Vector512<float>>
    {
        public static Vector512<float> Create(float value) => Vector512.Create(value);

        public static Vector512<float> Fma(Vector512<float> c, Vector512<float> m, Vector512<float> a) => Vector512.FusedMultiplyAdd(c, m, a);

        public static Vector512<float> Add(Vector512<float> x, Vector512<float> y) => x + y;

        public static float Sum(Vector512<float> v) => Vector512.Sum(v);
    }

    private readonly struct Fma256 : IFmaOps<Vector256<float>>
    {
        public static Vector256<float> Create(float value) => Vector256.Create(value);

        public static Vector256<float> Fma(Vector256<float> c, Vector256<float> m, Vector256<float> a) => Vector256.MultiplyAddEstimate(c, m, a);

        public static Vector256<float> Add(Vector256<float> x, Vector256<float> y) => x + y;

        public static float Sum(Vector256<float> v) => Vector256.Sum(v);
    }
}
