using Hfy.Learning.Tensors;
using Hfy.Kernels.Storage;

namespace Hfy.Learning.Mil;

/// <summary>A multiple-instance data set: bags of instance vectors with a 0/1 label per bag.</summary>
public abstract class BagSet
{
    /// <summary>A set named <paramref name="name"/> of bags of width <paramref name="features"/>, one label per bag.</summary>
    protected BagSet(string name, int features, IReadOnlyList<int> labels)
    {
        Name = name;
        Features = features;
        Labels = labels ?? throw new ArgumentNullException(nameof(labels));
    }

    /// <summary>Name (e.g. <c>tiger</c>).</summary>
    public string Name { get; }

    /// <summary>Instance width.</summary>
    public int Features { get; }

    /// <summary>Bag labels (0/1).</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>Number of bags.</summary>
    public int Count => Labels.Count;

    /// <summary>The instances of bag <paramref name="index"/> (rows); may fill and return <paramref name="buffer"/>.</summary>
    public abstract Matrix Bag(int index, Matrix buffer);

    /// <summary>Number of instances in bag <paramref name="index"/>.</summary>
    public abstract int BagSize(int index);
}

/// <summary>Bags held as dense matrices (Elephant, Fox, Tiger, synthetic sets).</summary>
public sealed class DenseBagSet : BagSet
{
    private readonly Matrix[] _bags;

    /// <summary>Bags and labels (same count, every bag ≥ 1 row of <paramref name="features"/> columns).</summary>
    public DenseBagSet(string name, int features, Matrix[] bags, int[] labels)
        : base(name, features, labels)
    {
        ArgumentNullException.ThrowIfNull(bags);
        if (bags.Length != labels.Length || bags.Any(b => b.Rows < 1 || b.Cols != features))
        {
            throw new ArgumentException($"bags: need one label per bag and ≥ 1 instance of width {features} per bag");
        }

        _bags = bags;
    }

    /// <inheritdoc />
    public override Matrix Bag(int index, Matrix buffer) => _bags[index];

    /// <inheritdoc />
    public override int BagSize(int index) => _bags[index].Rows;

    /// <summary>
    /// Loads <c>{directory}/{name}/features.npy, bag_ids.npy, labels.npy</c> (data/mil/README.md): instances are contiguous
    /// per bag, bag ids 0-based and non-decreasing.
    /// </summary>
    public static DenseBagSet LoadBenchmark(string directory, string name)
    {
        var folder = Path.Combine(directory, name);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"mil.dataDir: {folder} does not exist (expected data/mil/{{elephant,fox,tiger}}, see data/mil/README.md)");
        }

        var (features, fshape) = NpyReader.Read(Path.Combine(folder, "features.npy"));
        var (ids, _) = NpyReader.Read(Path.Combine(folder, "bag_ids.npy"));
        var (labels, _) = NpyReader.Read(Path.Combine(folder, "labels.npy"));
        int rows = fshape[0], cols = fshape[1];
        if (ids.Length != rows)
        {
            throw new InvalidDataException($"{folder}: bag_ids has {ids.Length} entries for {rows} instances");
        }

        var bags = new Matrix[labels.Length];
        var start = 0;
        for (var b = 0; b < labels.Length; b++)
        {
            var end = start;
            while (end < rows && (int)ids[end] == b)
            {
                end++;
            }

            if (end == start)
            {
                throw new InvalidDataException($"{folder}: bag {b} has no instances (bag ids must be contiguous and non-decreasing)");
            }

            bags[b] = Matrix.FromRows(end - start, cols, features.AsSpan(start * cols, (end - start) * cols));
            start = end;
        }

        if (start != rows)
        {
            throw new InvalidDataException($"{folder}: {rows - start} instances have bag ids outside 0..{labels.Length - 1}");
        }

        return new DenseBagSet(name, cols, bags, [.. labels.Select(l => (int)l)]);
    }
}

/// <summary>
/// Bags of Fashion-MNIST images (the MNIST-bags protocol of data/mil/README.md with Fashion-MNIST in place of
/// MNIST, which is not available here): per iteration i one negative and one positive bag of the same length
/// ⌊N(mean, std)⌋ raised to ≥ k, from generator <c>seed + i</c>; a positive bag holds U{k … length} target-class
/// images, a negative one U{0 … k−1}; images without replacement within a bag. Pixels are the IDX reader's
/// x/127.5 − 1. Images are kept once as float32; a bag's matrix is filled on demand.
/// </summary>
public sealed class FashionBagSet : BagSet
{
    private readonly float[] _images;
    private readonly int[][] _members;

    private FashionBagSet(string name, float[] images, int features, int[][] members, int[] labels)
        : base(name, features, labels)
    {
        _images = images;
        _members = members;
    }

    /// <summary>Image indices of bag <paramref name="index"/> (targets first, as the published generator).</summary>
    public IReadOnlyList<int> Members(int index) => _members[index];

    /// <inheritdoc />
    public override int BagSize(int index) => _members[index].Length;

    /// <inheritdoc />
    public override Matrix Bag(int index, Matrix buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var m = _members[index];
        buffer.Resize(m.Length, Features);
        for (var r = 0; r < m.Length; r++)
        {
            var src = _images.AsSpan(m[r] * Features, Features);
            var dst = buffer.Row(r);
            for (var c = 0; c < Features; c++)
            {
                dst[c] = src[c];
            }
        }

        return buffer;
    }

    /// <summary>The default location of the Debian package <c>dataset-fashion-mnist</c>.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Default mean bag length (the MNIST-bags protocol).</summary>
    public const double DefaultMeanLength = 14;

    /// <summary>Default std of the bag length.</summary>
    public const double DefaultStdLength = 5;

    /// <summary>Default k: a bag is positive iff it holds ≥ k target instances.</summary>
    public const int DefaultK = 5;

    /// <summary>True when the four IDX files are in <paramref name="directory"/>.</summary>
    public static bool Available(string directory) =>
        File.Exists(Path.Combine(directory, "train-images-idx3-ubyte.gz")) && File.Exists(Path.Combine(directory, "t10k-images-idx3-ubyte.gz"));

    /// <summary>
    /// Builds <paramref name="bags"/> bags (even) from the first <paramref name="pool"/> images of the <paramref name="split"/>
    /// split (<c>train</c> or <c>t10k</c>).
    /// </summary>
    public static FashionBagSet Build(string directory, string split, int pool, int bags, int target, int seed,
        double meanLength = DefaultMeanLength, double stdLength = DefaultStdLength, int k = DefaultK)
    {
        if (!Available(directory))
        {
            throw new FileNotFoundException($"fashion.dir: Fashion-MNIST IDX files not found in {directory} (install dataset-fashion-mnist)");
        }

        if (bags < 2 || bags % 2 != 0 || target is < 0 or > 9 || k < 1)
        {
            throw new ArgumentException($"fashion: bags must be even and ≥ 2, target in 0..9, k ≥ 1 (got {bags}, {target}, {k})");
        }

        var imagesPath = Path.Combine(directory, $"{split}-images-idx3-ubyte.gz");
        var header = IdxReader.ReadHeader(imagesPath);
        var count = (int)Math.Min(pool, header.Rows);
        var images = IdxReader.ReadRows(imagesPath, 0, count);
        var allLabels = IdxReader.ReadLabels(Path.Combine(directory, $"{split}-labels-idx1-ubyte.gz"));
        var targets = Enumerable.Range(0, count).Where(i => allLabels[i] == target).ToArray();
        var others = Enumerable.Range(0, count).Where(i => allLabels[i] != target).ToArray();
        var members = new int[bags][];
        var labels = new int[bags];
        for (var i = 0; i < bags / 2; i++)
        {
            var rng = new Random(seed + i);
            var length = Math.Max(k, (int)(meanLength + (stdLength * Init.StandardNormal(rng))));
            members[2 * i] = Draw(rng, targets, others, k == 1 ? 0 : rng.Next(0, k), length);
            labels[2 * i] = 0;
            members[(2 * i) + 1] = Draw(rng, targets, others, rng.Next(k, length + 1), length);
            labels[(2 * i) + 1] = 1;
        }

        return new FashionBagSet($"fashion-{split}-{target}", images, header.Cols, members, labels);
    }

    private static int[] Draw(Random rng, int[] targets, int[] others, int targetCount, int length)
    {
        var bag = new int[length];
        Sample(rng, targets, bag.AsSpan(0, targetCount));
        Sample(rng, others, bag.AsSpan(targetCount));
        return bag;
    }

    /// <summary>Distinct draws (without replacement within the bag).</summary>
    private static void Sample(Random rng, int[] from, Span<int> into)
    {
        var chosen = new HashSet<int>();
        for (var j = 0; j < into.Length; j++)
        {
            int v;
            do
            {
                v = from[rng.Next(from.Length)];
            }
            while (!chosen.Add(v));
            into[j] = v;
        }
    }
}
