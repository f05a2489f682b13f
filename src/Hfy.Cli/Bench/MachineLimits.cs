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
    /// FMA peak in GFLOP/s: one dedicated thread per core, each running <see cref="Chains"/> independent FMA chains in
    /// registers (enough to cover the FMA latency on every FMA port: 4 cycles × 2 ports needs 8), on the widest vectors
    /// the JIT uses (Vector512 when accelerated), 2 FLOP per lane per FMA. Each thread times itself and the rates add,
    /// so thread start-up skew does not count; the best of <paramref name="runs"/> timed runs.
    /// </summary>
    public static double FmaPeakGflops(int runs)
    {
        var cores = Environment.ProcessorCount;
        var iterations = 1 << 16;
        // Grow the loop until one thread's run takes ≥ 50 ms, so timer and wake-up costs are negligible.
        while (TimeOne(iterations) < 0.05 && iterations < 1 << 30) iterations *= 4;
        var best = 0.0;
        for (var r = 0; r < Math.Max(1, runs); r++) best = Math.Max(best, AllCores(cores, iterations));
        return best;
    }

    /// <summary>Independent FMA chains per thread of the peak probe.</summary>
    public const int Chains = 16;

    private static double FlopsPerIteration => 2.0 * (Vector512.IsHardwareAccelerated ? 16 : 8) * Chains;

    private static double TimeOne(int iterations)
    {
        var sw = Stopwatch.StartNew();
        FmaLoop(iterations);
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>Σ over one thread per core of that thread's FLOP / its own time, in GFLOP/s.</summary>
    private static double AllCores(int cores, int iterations)
    {
        var rates = new double[cores];
        using var start = new Barrier(cores);
        var threads = Enumerable.Range(0, cores).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            var sw = Stopwatch.StartNew();
            var sink = FmaLoop(iterations);
            var seconds = sw.Elapsed.TotalSeconds;
            rates[t] = float.IsNaN(sink) ? 0 : FlopsPerIteration * iterations / seconds / 1e9;
        }) { IsBackground = true }).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return rates.Sum();
    }

    /// <summary>The widest SIMD the JIT uses here, in words.</summary>
    public static string SimdName() =>
        Vector512.IsHardwareAccelerated ? "AVX-512 (Vector512)" : Vector256.IsHardwareAccelerated ? "AVX2 (Vector256)" : "no wide SIMD";

    private static float FmaLoop(int iterations) =>
        Vector512.IsHardwareAccelerated ? FmaChains512(iterations) : FmaChains256(iterations);

    // Written out per width (no generic vector helper): 16 named accumulators stay in registers, c ← c·m + a.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float FmaChains512(int iterations)
    {
        var m = Vector512.Create(0.999999f);
        var a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0 + a, c2 = c1 + a, c3 = c2 + a, c4 = c3 + a, c5 = c4 + a, c6 = c5 + a, c7 = c6 + a;
        Vector512<float> c8 = c7 + a, c9 = c8 + a, c10 = c9 + a, c11 = c10 + a, c12 = c11 + a, c13 = c12 + a, c14 = c13 + a, c15 = c14 + a;
        for (var i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
            c12 = Vector512.FusedMultiplyAdd(c12, m, a); c13 = Vector512.FusedMultiplyAdd(c13, m, a);
            c14 = Vector512.FusedMultiplyAdd(c14, m, a); c15 = Vector512.FusedMultiplyAdd(c15, m, a);
        }

        return Vector512.Sum((((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7))) + (((c8 + c9) + (c10 + c11)) + ((c12 + c13) + (c14 + c15))));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float FmaChains256(int iterations)
    {
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0 + a, c2 = c1 + a, c3 = c2 + a, c4 = c3 + a, c5 = c4 + a, c6 = c5 + a, c7 = c6 + a;
        Vector256<float> c8 = c7 + a, c9 = c8 + a, c10 = c9 + a, c11 = c10 + a;
        for (var i = 0; i < iterations; i++)
        {
            c0 = Vector256.MultiplyAddEstimate(c0, m, a); c1 = Vector256.MultiplyAddEstimate(c1, m, a);
            c2 = Vector256.MultiplyAddEstimate(c2, m, a); c3 = Vector256.MultiplyAddEstimate(c3, m, a);
            c4 = Vector256.MultiplyAddEstimate(c4, m, a); c5 = Vector256.MultiplyAddEstimate(c5, m, a);
            c6 = Vector256.MultiplyAddEstimate(c6, m, a); c7 = Vector256.MultiplyAddEstimate(c7, m, a);
            c8 = Vector256.MultiplyAddEstimate(c8, m, a); c9 = Vector256.MultiplyAddEstimate(c9, m, a);
            c10 = Vector256.MultiplyAddEstimate(c10, m, a); c11 = Vector256.MultiplyAddEstimate(c11, m, a);
            // 16 ymm registers hold 12 chains, m and a: four chains step twice, 16 FMAs per iteration as above.
            c0 = Vector256.MultiplyAddEstimate(c0, m, a); c1 = Vector256.MultiplyAddEstimate(c1, m, a);
            c2 = Vector256.MultiplyAddEstimate(c2, m, a); c3 = Vector256.MultiplyAddEstimate(c3, m, a);
        }

        return Vector256.Sum((((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7))) + ((c8 + c9) + (c10 + c11)));
    }
}
