namespace Hfy.Experiments;

/// <summary>
/// The rules <see cref="SpecValidator"/> adds for free-recall and sequential-recall specs: which update maps a
/// protocol takes, the <c>recall</c> section (λ, ρ, w, count, start), N within <see cref="SpecLimits.MaxRecallRows"/>,
/// and the capacity-only grid fields (post-transforms, noise, mask, clip, tol) left at their neutral values,
/// because the recall protocols of docs/math.md §5 start from a stored pattern and have no post-transformation.
/// </summary>
internal static class RecallValidation
{
    /// <summary>One grid.maps entry of a recall spec.</summary>
    public static void ValidateMap(MapEntry m, string p, ExperimentKind kind, List<SpecError> errors)
    {
        void Err(string path, string message) => errors.Add(new SpecError(path, message));
        var names = kind == ExperimentKind.FreeRecall ? CellMap.FreeRecallNames : CellMap.SequentialRecallNames;
        var name = m.Name?.Trim().ToLowerInvariant();
        if (name is null || !names.Contains(name))
        {
            Err($"{p}.name", kind == ExperimentKind.FreeRecall
                ? $"free-recall runs csparsemax (constrained sparsemax) or penalized softmax, entmax, sparsemax (got '{m.Name}')"
                : $"sequential-recall refines with softmax, entmax or sparsemax updates (got '{m.Name}')");
            return;
        }
        void Unused(object? value, string field)
        {
            if (value is not null) Err($"{p}.{field}", $"is not a parameter of {name} in {kind.Name()}");
        }
        if (name == "entmax")
        {
            if (m.Alpha is { } a && (!double.IsFinite(a) || a < 1)) Err($"{p}.alpha", $"α must be ≥ 1 and finite (got {SpecValidator.F(a)})");
        }
        else
        {
            Unused(m.Alpha, "alpha");
        }
        Unused(m.Gamma, "gamma"); Unused(m.K, "k"); Unused(m.Normalize, "normalize"); Unused(m.W, "w"); Unused(m.N, "n"); Unused(m.BetaIn, "betaIn");
    }

    /// <summary>Every rule of a recall spec outside grid.maps.</summary>
    public static void Validate(ExperimentSpec spec, ExperimentKind kind, SpecLimits limits, List<SpecError> errors)
    {
        void Err(string path, string message) => errors.Add(new SpecError(path, message));
        var sequential = kind == ExperimentKind.SequentialRecall;
        var grid = spec.Grid;
        long? minN = null;
        if (grid?.Sizes is { Length: > 0 } sizes)
        {
            for (var i = 0; i < sizes.Length; i++)
            {
                if (sizes[i] > limits.MaxRecallRows && sizes[i] <= limits.MaxRows)
                    Err($"grid.sizes[{i}]", $"N = {sizes[i]} is beyond the recall limit of {limits.MaxRecallRows} rows (a {kind.Name()} cell runs O(N²·D·T) on one node)");
                else if (sequential && sizes[i] == 1)
                    Err($"grid.sizes[{i}]", "sequential-recall needs N ≥ 2 (got 1)");
            }
            // start and count are checked against the smallest N only when every N is itself valid.
            if (sizes.Min() >= (sequential ? 2 : 1)) minN = sizes.Min();
        }
        if (grid is not null)
        {
            var posts = grid.Posts ?? [];
            for (var i = 0; i < posts.Length; i++)
            {
                if (Cell.ParsePost(posts[i]) is { } post && post != Hfy.Kernels.Dynamics.PostTransform.Identity)
                    Err($"grid.posts[{i}]", $"{kind.Name()} has no post-transformation; use identity (got '{posts[i]}')");
            }
            var noise = grid.Noise ?? [];
            for (var i = 0; i < noise.Length; i++)
            {
                if (noise[i] != 0 && double.IsFinite(noise[i]) && noise[i] > 0)
                    Err($"grid.noise[{i}]", $"{kind.Name()} starts from a stored pattern, without noise; use [0] (got {SpecValidator.F(noise[i])})");
            }
            if (grid.Mask != 0 && double.IsFinite(grid.Mask) && grid.Mask > 0 && grid.Mask < 1)
                Err("grid.mask", $"is not used by {kind.Name()}; must be 0 (got {SpecValidator.F(grid.Mask)})");
            if (grid.Clip is not null) Err("grid.clip", $"is not used by {kind.Name()}; leave it out");
        }
        if (spec.Tol != 0 && double.IsFinite(spec.Tol) && spec.Tol > 0)
            Err("tol", $"{kind.Name()} runs exactly T = grid.steps updates per recalled memory; must be 0 (got {SpecValidator.F(spec.Tol)})");

        var r = spec.Recall ?? new RecallSpec();
        if (!double.IsFinite(r.Lambda) || r.Lambda < 0) Err("recall.lambda", $"λ must be finite and ≥ 0 (got {SpecValidator.F(r.Lambda)})");
        if (!(r.Rho > 0 && r.Rho <= 1)) Err("recall.rho", $"ρ must be in (0, 1] (got {SpecValidator.F(r.Rho)})");
        if (r.W is { } w)
        {
            if (!sequential) Err("recall.w", "only sequential-recall uses the pair bonus w");
            else if (!double.IsFinite(w)) Err("recall.w", $"must be finite (got {SpecValidator.F(w)})");
        }
        if (r.Start < 0) Err("recall.start", $"must be ≥ 0 (got {r.Start})");
        else if (minN is { } n0 && r.Start >= n0) Err("recall.start", $"must be a row of every bank: 0 ≤ start < the smallest N ({n0}) (got {r.Start})");
        if (r.Count is { } c)
        {
            var max = minN is { } n1 ? (sequential ? n1 - Math.Max(0, r.Start) : n1) : (long?)null;
            if (c < 1) Err("recall.count", $"must be ≥ 1 (got {c})");
            else if (max is { } m && c > m)
                Err("recall.count", sequential
                    ? $"must be ≤ the smallest N − start ({m}): the stored order has no memory after the last (got {c})"
                    : $"must be ≤ the smallest N ({m}) (got {c})");
        }
    }
}
