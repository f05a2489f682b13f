namespace Hfy.Learning.Mil;

/// <summary>
/// Stratified k-fold splits (as sklearn's <c>StratifiedKFold(shuffle = True)</c>, not its exact permutation):
/// each class's indices are shuffled with the seed and dealt round-robin to the folds, so the folds are disjoint,
/// cover every index once, and each class's count differs by at most one between folds.
/// </summary>
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

        var fold = new int[labels.Count];
        var rng = new Random(seed);
        var next = 0;
        foreach (var cls in labels.Distinct().Order())
        {
            var members = Enumerable.Range(0, labels.Count).Where(i => labels[i] == cls).ToArray();
            rng.Shuffle(members);
            foreach (var i in members)
            {
                fold[i] = next;
                next = (next + 1) % folds;
            }
        }

        return fold;
    }

    /// <summary>
    /// The published protocol's split for outer fold <paramref name="outer"/>: test = that fold; of the rest, the first
    /// of a stratified <paramref name="innerFolds"/>-fold split is validation, the others train.
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
