using Hfy.Kernels.Maps;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Scoring;
using Hfy.Kernels.Storage;

namespace Hfy.Kernels.Retrieval;

/// <summary>
/// The HFY retrieval dynamics (docs/math.md §1): q_{t+1} = ŷ_Ψ(Xᵀ ŷ_Ω(β X q_t)), the CCCP update that never
/// increases E(q) = −β⁻¹ Ω*(β X q) + Ψ(q).
/// </summary>
/// <remarks>
/// <para>Steps: up to <see cref="RetrievalOptions.Steps"/> updates, stopping early once ‖q_{t+1} − q_t‖₂ ≤ Tol
/// (Tol &gt; 0). The result's weights are p = ŷ_Ω(β X q_T), the map's output at the final state, so a run of
/// t steps reports (q_t, p_t) exactly as the golden traces list them; its energy trace has one value per state
/// q_0 … q_T.</para>
/// <para>Both entry points run the one step driver (<see cref="RetrievalDriver"/>) over the bank of this process
/// as one partition (<see cref="LocalScoreSource"/>), the same protocol and code the cluster runs.</para>
/// <para>Energy: identity Ψ: −β⁻¹Ω*(θ) + ½‖q‖²; ℓ2 and layer norm (Ψ an indicator, 0 on the iterates):
/// −β⁻¹Ω*(θ); tanh: no closed form is reported (empty trace). Ω*(θ) = θᵀp − Ω(p), taken as β q·z − Ω(p) with
/// the float64 readout z = Xᵀp (<see cref="EnergyFromReadout(RetrievalOptions, double, ReadOnlySpan{double}, ReadOnlySpan{double})"/>).</para>
/// <para>Precision: <see cref="Run(Bank, ReadOnlySpan{float}, RetrievalOptions)"/> scores in float64 (float32 rows
/// widened exactly) with complete candidate lists, so traces and energy are exact to float64 rounding;
/// <see cref="RunBatch(Bank, ReadOnlySpan{float}, int, RetrievalOptions)"/> shares float32 batched scoring (<see cref="Scorer.ScoreBatch"/>) between queries, takes the
/// top candidates of each (the truncated solve or a threshold search finishes the cut lists) and agrees with it to
/// float32 precision.</para>
/// </remarks>
public static class HfyDynamics
{
    /// <summary>Runs the dynamics for one query; for ℓ2 / layer norm the rows and q0 are normalized first (on a copy).</summary>
    public static RetrievalResult Run(Bank bank, ReadOnlySpan<float> q0, RetrievalOptions options)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(options);
        return Run(bank, q0, options, CreateMap(options, bank));
    }

    /// <summary>Runs the dynamics for one query with a given map instance (its spec must describe it).</summary>
    public static RetrievalResult Run(Bank bank, ReadOnlySpan<float> q0, RetrievalOptions options, IMap map)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(map);
        Validate(bank, q0.Length, options);
        return RunPrepared(PostTransforms.NormalizedCopy(bank, options.Post), q0, options, map);
    }

    /// <summary>
    /// Runs the dynamics on a bank whose rows are already normalized for <see cref="RetrievalOptions.Post"/>
    /// (e.g. loaded with <see cref="BankSpec.Normalization"/> = <see cref="PostTransforms.RowNormalizationFor"/>);
    /// the initial query is still normalized here.
    /// </summary>
    public static RetrievalResult RunPrepared(Bank bank, ReadOnlySpan<float> q0, RetrievalOptions options, IMap map)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(map);
        Validate(bank, q0.Length, options);
        CheckFinite(q0, "q0");
        var q = new double[bank.Dim];
        for (var k = 0; k < q.Length; k++) q[k] = q0[k];
        PostTransforms.NormalizeQuery(options.Post, q);

        // One query, float64 scores, complete candidate lists: exact to float64 rounding (the golden traces).
        var driver = new RetrievalDriver(options, map, bank.Rows, bank.Dim, new DriverSettings { Parallel = false });
        var source = new LocalScoreSource(bank, options, driver.Rule, map, new LocalSourceSettings { Precision = ScorePrecision.Float64, Parallel = false });
        return Completed(driver.RunAsync(source, [q]))[0];
    }

    /// <summary>
    /// Runs the dynamics for <paramref name="batch"/> queries (row-major batch × D), sharing each step's scoring
    /// through <see cref="Scorer.ScoreBatch"/> (float32 scores; maps and readouts in float64, one map per worker).
    /// </summary>
    public static RetrievalResult[] RunBatch(Bank bank, ReadOnlySpan<float> queries, int batch, RetrievalOptions options)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(options);
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be ≥ 0");
        if ((long)batch * bank.Dim != queries.Length)
            throw new ArgumentException($"queries has length {queries.Length}, expected batch × dim = {(long)batch * bank.Dim}", nameof(queries));
        Validate(bank, bank.Dim, options);
        CheckFinite(queries, "queries");
        var map = CreateMap(options, bank);
        var work = PostTransforms.NormalizedCopy(bank, options.Post);
        var results = new RetrievalResult[batch];
        var dim = bank.Dim;
        // Score at most ~128 MiB of float32 scores at a time.
        var group = (int)Math.Clamp((1L << 25) / Math.Max(1, work.Rows), 1, 64);
        for (var first = 0; first < batch; first += group)
        {
            var states = InitialStates(queries, first, Math.Min(group, batch - first), dim, options.Post);
            var driver = new RetrievalDriver(options, map, work.Rows, dim);
            var source = new LocalScoreSource(work, options, driver.Rule, map);
            Completed(driver.RunAsync(source, states)).CopyTo(results, first);
        }
        return results;
    }

    /// <summary>
    /// Runs the dynamics for <paramref name="batch"/> queries over a pattern store of any kind (docs/capacity.md,
    /// "storage kinds"): a resident <see cref="Bank"/> takes <see cref="RunBatch(Bank, ReadOnlySpan{float}, int, RetrievalOptions)"/>;
    /// any other store streams through a <see cref="StoreScoreSource"/> (fused passes, 64 queries per pass, the B × N
    /// scores never held), its rows normalized for the post-transform on the fly.
    /// </summary>
    /// <param name="store">The rows.</param>
    /// <param name="queries">Initial states, row-major batch × D.</param>
    /// <param name="batch">Number of queries.</param>
    /// <param name="options">Retrieval options.</param>
    /// <param name="settings">Caps of the streaming source (null: defaults).</param>
    /// <param name="passes">Receives the passes made over the store (0 for a resident bank).</param>
    public static RetrievalResult[] RunBatch(IPatternStore store, ReadOnlySpan<float> queries, int batch, RetrievalOptions options, StoreSourceSettings? settings, out long passes)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        passes = 0;
        if (store is Bank bank) return RunBatch(bank, queries, batch, options);
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be ≥ 0");
        if ((long)batch * store.Dim != queries.Length)
            throw new ArgumentException($"queries has length {queries.Length}, expected batch × dim = {(long)batch * store.Dim}", nameof(queries));
        if (store.Rows < 1) throw new ArgumentException("bank: must have at least one row", nameof(store));
        var problem = options.Problem(store.Rows) ?? MapFactory.Validate(options.Map, store.Rows);
        if (problem is not null) throw new ArgumentException(problem, nameof(options));
        CheckFinite(queries, "queries");
        var map = MapFactory.Create(options.Map);
        var rn = PostTransforms.RowNormalizationFor(options.Post);
        var work = rn == RowNormalization.None ? store : new NormalizedStore(store, rn);
        var dim = store.Dim;
        var results = new RetrievalResult[batch];
        const int Group = 64;
        for (var first = 0; first < batch; first += Group)
        {
            var states = InitialStates(queries, first, Math.Min(Group, batch - first), dim, options.Post);
            var driver = new RetrievalDriver(options, map, work.Rows, dim);
            var source = new StoreScoreSource(work, options, driver.Rule, settings);
            Completed(driver.RunAsync(source, states)).CopyTo(results, first);
            passes += source.Passes;
        }
        return results;
    }

    /// <summary>Queries [first, first + count) of a row-major batch as float64 states, normalized for the post-transform.</summary>
    private static double[][] InitialStates(ReadOnlySpan<float> queries, int first, int count, int dim, PostTransform post)
    {
        var states = new double[count][];
        for (var b = 0; b < count; b++)
        {
            states[b] = new double[dim];
            for (var k = 0; k < dim; k++) states[b][k] = queries[(first + b) * dim + k];
            PostTransforms.NormalizeQuery(post, states[b]);
        }

        return states;
    }

    /// <summary>The result of a driver run over a local source, whose rounds all complete synchronously.</summary>
    private static RetrievalResult[] Completed(ValueTask<RetrievalResult[]> run) =>
        run.IsCompletedSuccessfully ? run.Result : run.AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// The smallest row index i with ‖q − x_i‖∞ ≤ <paramref name="tol"/> (rows as given, i.e. already transformed), or null.
    /// </summary>
    public static long? FindRetrieved(Bank bank, ReadOnlySpan<double> q, double tol)
    {
        ArgumentNullException.ThrowIfNull(bank);
        var i = PartitionScoring.FindRetrieved(bank.Data, bank.Dim, 0, q, tol);
        return i >= 0 ? i : null;
    }

    /// <summary>True when the energy has a closed form for this post-transform (all but tanh).</summary>
    public static bool HasEnergy(PostTransform post) => post != PostTransform.Tanh;

    /// <summary>E(q) from the map's conjugate value at θ = βXq (see class remarks).</summary>
    public static double Energy(RetrievalOptions options, SparseWeights p, ReadOnlySpan<double> q)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(p);
        var e = -p.ConjugateValue / options.Beta;
        if (options.Post == PostTransform.Identity)
        {
            var qq = 0.0;
            foreach (var v in q) qq += v * v;
            e += 0.5 * qq;
        }
        return e;
    }

    /// <summary>
    /// E(q) with θᵀp taken as β q·(Xᵀp) in float64 instead of from the float32 scores: Ω*(θ) ≈ β q·z − Ω(p̂), where p̂
    /// came from the float32 scores. Ω*(θ) − (θᵀp̂ − Ω(p̂)) is a Bregman gap, second order in the score rounding,
    /// while float32 scores of size |θ| carry first-order errors of ~√D·2⁻²⁴·|θ| (large next to the energy decrease
    /// of a converging run: with ‖x‖ = ‖q‖ = √784, β = 0.1 those read as spurious energy increases).
    /// </summary>
    public static double EnergyFromReadout(RetrievalOptions options, SparseWeights p, ReadOnlySpan<double> q, ReadOnlySpan<double> z)
    {
        ArgumentNullException.ThrowIfNull(p);
        return EnergyFromReadout(options, p.Regularizer, q, z);
    }

    /// <summary>E(q) = −q·z + Ω(p)/β (+ ½‖q‖² for the identity Ψ) from the readout z = Xᵀp and Ω(p): the distributed engine's form.</summary>
    public static double EnergyFromReadout(RetrievalOptions options, double regularizer, ReadOnlySpan<double> q, ReadOnlySpan<double> z)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (z.Length != q.Length) throw new ArgumentException($"z: length {z.Length} must equal q's {q.Length}", nameof(z));
        double qz = 0, qq = 0;
        for (var k = 0; k < q.Length; k++)
        {
            qz += q[k] * z[k];
            qq += q[k] * q[k];
        }

        var e = -qz + (regularizer / options.Beta);
        return options.Post == PostTransform.Identity ? e + (0.5 * qq) : e;
    }

    private static IMap CreateMap(RetrievalOptions options, Bank bank)
    {
        var problem = MapFactory.Validate(options.Map, bank.Rows);
        if (problem is not null) throw new ArgumentException(problem, nameof(options));
        return MapFactory.Create(options.Map);
    }

    private static void Validate(Bank bank, int qLength, RetrievalOptions options)
    {
        if (bank.Rows < 1) throw new ArgumentException("bank: must have at least one row", nameof(bank));
        var problem = options.Problem(bank.Rows);
        if (problem is not null) throw new ArgumentException(problem, nameof(options));
        if (qLength != bank.Dim) throw new ArgumentException($"q0: has length {qLength}, expected the bank's dim {bank.Dim}", "q0");
    }

    private static void CheckFinite(ReadOnlySpan<float> values, string name)
    {
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) throw new ArgumentException($"{name}: every entry must be finite (got {v})", name);
        }
    }
}
