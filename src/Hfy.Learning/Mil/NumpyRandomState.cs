namespace Hfy.Learning.Mil;

/// <summary>
/// NumPy's legacy <c>numpy.random.RandomState(seed)</c>, as far as the published MIL code's fold assignment needs it:
/// the MT19937 stream seeded by <c>init_genrand</c>, the bounded integers of <c>random_interval</c> and the in-place
/// Fisher–Yates <c>shuffle</c> of a 1-d array. Bit-for-bit the same sequence as NumPy (checked against NumPy 1.24 by
/// the golden values of <c>NumpyRandomStateTests</c>).
/// </summary>
/// <remarks>Not thread-safe; one instance per stream, as NumPy's.</remarks>
public sealed class NumpyRandomState
{
    private const int N = 624;
    private const int M = 397;
    private const uint MatrixA = 0x9908b0df;
    private const uint UpperMask = 0x80000000;
    private const uint LowerMask = 0x7fffffff;

    private readonly uint[] _mt = new uint[N];
    private int _index;

    /// <summary><c>RandomState(seed)</c> for an integer seed in [0, 2³² − 1] (NumPy refuses others).</summary>
    public NumpyRandomState(long seed)
    {
        if (seed is < 0 or > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(seed), seed, "seed: must be in [0, 2^32 - 1] (as numpy.random.RandomState)");
        }

        // init_genrand (Matsumoto & Nishimura 2002), which NumPy's legacy seeding calls for an integer seed.
        _mt[0] = (uint)seed;
        for (var i = 1; i < N; i++)
        {
            _mt[i] = unchecked((1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30))) + (uint)i);
        }

        _index = N;
    }

    /// <summary>The next 32-bit output (<c>genrand_int32</c> with tempering).</summary>
    public uint NextUInt32()
    {
        if (_index >= N)
        {
            Generate();
        }

        var y = _mt[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >> 18;
        return y;
    }

    /// <summary>
    /// A uniform integer in [0, <paramref name="max"/>] as NumPy's <c>random_interval</c>: 32-bit draws masked to the
    /// smallest all-ones mask ≥ max, rejected while above max.
    /// </summary>
    public uint Interval(uint max)
    {
        if (max == 0)
        {
            return 0;
        }

        var mask = max;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        uint value;
        while ((value = NextUInt32() & mask) > max)
        {
        }

        return value;
    }

    /// <summary>
    /// <c>RandomState.shuffle</c> of a 1-d array in place: for i = n−1 down to 1, swap item i with item
    /// <see cref="Interval"/>(i).
    /// </summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i >= 1; i--)
        {
            var j = (int)Interval((uint)i);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary><c>RandomState.permutation(n)</c>: 0 … n−1 shuffled.</summary>
    public int[] Permutation(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var p = new int[n];
        for (var i = 0; i < n; i++)
        {
            p[i] = i;
        }

        Shuffle<int>(p);
        return p;
    }

    private void Generate()
    {
        int k;
        uint y;
        for (k = 0; k < N - M; k++)
        {
            y = (_mt[k] & UpperMask) | (_mt[k + 1] & LowerMask);
            _mt[k] = _mt[k + M] ^ (y >> 1) ^ ((y & 1) * MatrixA);
        }

        for (; k < N - 1; k++)
        {
            y = (_mt[k] & UpperMask) | (_mt[k + 1] & LowerMask);
            _mt[k] = _mt[k + (M - N)] ^ (y >> 1) ^ ((y & 1) * MatrixA);
        }

        y = (_mt[N - 1] & UpperMask) | (_mt[0] & LowerMask);
        _mt[N - 1] = _mt[M - 1] ^ (y >> 1) ^ ((y & 1) * MatrixA);
        _index = 0;
    }
}
