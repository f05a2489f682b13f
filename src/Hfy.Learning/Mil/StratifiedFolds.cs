namespace Hfy.Learning.Mil;

/// <summary>
/// Stratified k-fold splits exactly as scikit-learn's <c>StratifiedKFold(n_splits, shuffle=True, random_state=seed)</c>
/// (the allocation of scikit-learn ≥ 0.24, the published MIL code's splitter; data/mil/README.md): the same fold of
/// every bag for the same labels and seed, so per-fold numbers compare one to one with the published runs.
/// </summary>
/// <remarks>
/// <c>_make_test_folds</c>: classes are encoded by order of first appearance; the per-fold count of each class comes
/// from dealing the class-sorted labels round-robin to the folds; each class's fold numbers are laid out in blocks
/// (<c>arange(k).repeat(allocation[:, c])</c>), shuffled by one <c>RandomState(seed)</c> class after class, and
/// written to that class's positions in order. The folds are disjoint, cover every index once, and each class's count
/// differs by at most one between folds. Checked against scikit-learn 1.2.1 / NumPy 1.24 (golden fold numbers in
/// <c>StratifiedFoldsTests</c>).
/// </remarks>
public static class StratifiedFolds
{
    /// <summary>Fold number (0..folds−1) of each position of <paramref name="labels"/>.</summary>
    public static int[] Assign(IReadOnlyList<int> labels, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (folds < 2 || folds > labels.Count)
        {
            throw new ArgumentException($"folds: must be in 2..{labels.Count} (got {folds})", nameof(folds));
        }

        // Classes encoded by order of first appearance (sklearn's y_encoded).
        var codeOf = new Dictionary<int, int>();
        var encoded = new int[labels.Count];
        for (var i = 0; i < labels.Count; i++)
        {
            if (!codeOf.TryGetValue(labels[i], out var code))
            {
                code = codeOf.Count;
                codeOf[labels[i]] = code;
            }

            encoded[i] = code;
        }

        var classes = codeOf.Count;
        var counts = new int[classes];
        foreach (var c in encoded)
        {
            counts[c]++;
        }

        if (counts.All(c => folds > c))
        {
            throw new ArgumentException($"folds: {folds} is more than the members of every class (largest class: {counts.Max()})", nameof(folds));
        }

        // allocation[f, c] = count of class c among y_order[f::folds], y_order the encoded labels sorted.
        var allocation = new int[folds, classes];
        var position = 0;
        for (var c = 0; c < classes; c++)
        {
            for (var n = 0; n < counts[c]; n++, position++)
            {
                allocation[position % folds, c]++;
            }
        }

        var rng = new NumpyRandomState(seed);
        var fold = new int[labels.Count];
        for (var c = 0; c < classes; c++)
        {
            var blocks = new int[counts[c]];
            var next = 0;
            for (var f = 0; f < folds; f++)
            {
                for (var n = 0; n < allocation[f, c]; n++)
                {
                    blocks[next++] = f;
                }
            }

            rng.Shuffle<int>(blocks);
            next = 0;
            for (var i = 0; i < encoded.Length; i++)
            {
                if (encoded[i] == c)
                {
                    fold[i] = blocks[next++];
                }
            }
        }

        return fold;
    }

    /// <summary>
    /// The published protocol's split for outer fold <paramref name="outer"/>: test = that fold; of the rest (ascending,
    /// as sklearn's train indices), the first split of a stratified <paramref name="innerFolds"/>-fold split with the
    /// same seed is validation, the others train.
    /// </summary>
    public static (int[] Train, int[] Validation, int[] Test) Split(IReadOnlyList<int> labels, int folds, int outer, int seed, int innerFolds = 9)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (outer < 0 || outer >= folds)
        {
            throw new ArgumentException($"fold: must be in 0..{folds - 1} (got {outer})", nameof(outer));
        }

        var assign = Assign(labels, folds, seed);
        var test = Enumerable.Range(0, labels.Count).Where(i => assign[i] == outer).ToArray();
        var rest = Enumerable.Range(0, labels.Count).Where(i => assign[i] != outer).ToArray();
        var inner = Assign([.. rest.Select(i => labels[i])], innerFolds, seed);
        var validation = rest.Where((_, j) => inner[j] == 0).ToArray();
        var train = rest.Where((_, j) => inner[j] != 0).ToArray();
        return (train, validation, test);
    }
}
