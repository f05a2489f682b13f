namespace Hfy.Kernels.Scoring;

/// <summary>
/// Per-thread reuse of the fused passes' tile buffers (tile rows, score tile, softmax weight tile): a pass runs 64 chunks,
/// and fresh buffers per chunk are megabytes of large-object allocations per pass, which cost gen-2 collections (and the
/// array pools' trimming that runs after each). A thread rents what a chunk needs and returns it when the chunk ends.
/// </summary>
internal static class TileBuffers
{
    [ThreadStatic]
    private static Stack<float[]>? t_floats;

    [ThreadStatic]
    private static Stack<double[]>? t_doubles;

    /// <summary>A float buffer of at least <paramref name="length"/> elements, contents undefined.</summary>
    public static float[] Floats(int length) => Rent(t_floats ??= new Stack<float[]>(), length);

    /// <summary>A double buffer of at least <paramref name="length"/> elements, the first <paramref name="length"/> zero.</summary>
    public static double[] ZeroedDoubles(int length)
    {
        var a = Rent(t_doubles ??= new Stack<double[]>(), length);
        Array.Clear(a, 0, length);
        return a;
    }

    /// <summary>Gives a buffer back to this thread's pool.</summary>
    public static void Return(float[] buffer) => (t_floats ??= new Stack<float[]>()).Push(buffer);

    /// <summary>Gives a buffer back to this thread's pool.</summary>
    public static void Return(double[] buffer) => (t_doubles ??= new Stack<double[]>()).Push(buffer);

    private static T[] Rent<T>(Stack<T[]> free, int length)
    {
        // Buffers of one pass share a few sizes: take the first that fits, else allocate (the pool keeps at most 8).
        var kept = new List<T[]>();
        T[]? found = null;
        while (free.Count > 0)
        {
            var a = free.Pop();
            if (a.Length >= length)
            {
                found = a;
                break;
            }
            kept.Add(a);
        }
        foreach (var a in kept) free.Push(a);
        while (free.Count > 8) free.Pop();
        return found ?? GC.AllocateUninitializedArray<T>(length);
    }
}
