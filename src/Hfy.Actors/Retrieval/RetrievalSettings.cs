namespace Hfy.Actors.Retrieval;

/// <summary>Every limit, timeout and retry of the retrieval protocol, with its default.</summary>
public sealed record RetrievalSettings
{
    /// <summary>Candidates per query a partition ships in the score round (highest scores first).</summary>
    public int CandidateCap { get; init; } = 256;

    /// <summary>Rows travel with a partition's candidates only when it has at most this many for a query (one-round fast path).</summary>
    public int RowCap { get; init; } = 32;

    /// <summary>
    /// Rows shipped with the top candidates of a list that is not complete (dense regimes): when the exact solve
    /// on the truncated candidates finds a support inside them, the step still needs no readout round.
    /// The smaller of this and <see cref="RowCap"/> applies.
    /// </summary>
    public int LeadRowCap { get; init; } = 8;

    /// <summary>
    /// (row id, weight) pairs kept per query for the final weights. When the final support is larger, the
    /// result lists the largest weights only (and the readout still uses every row).
    /// </summary>
    public int MaxSupportPairs { get; init; } = 65_536;

    /// <summary>
    /// Candidates per query a partition returns at most in a gather round (sequential k-subsets); more fails the
    /// request. Default: no cap (the reply streams in chunks below <see cref="MaxMessageBytes"/>, and
    /// <see cref="MaxGatherPairs"/> bounds the coordinator's memory).
    /// </summary>
    public int GatherCap { get; init; } = int.MaxValue;

    /// <summary>
    /// (row id, score) pairs one gather round may bring to the coordinator, all partitions and queries together
    /// (12 bytes each while held). In the dense regime a gather needs N × batch pairs; beyond this the request fails
    /// with a message naming the numbers instead of exhausting the coordinator's memory.
    /// </summary>
    public long MaxGatherPairs { get; init; } = 1L << 27;

    /// <summary>No single protocol message may exceed this many bytes (kept below the transport frame size).</summary>
    public int MaxMessageBytes { get; init; } = 12 * 1024 * 1024;

    /// <summary>A round's missing replies are re-sent after this long.</summary>
    public TimeSpan RoundTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Re-sends of one round before the request fails.</summary>
    public int MaxRetries { get; init; } = 6;

    /// <summary>Times a step may restart because a partition lost its scores (it moved to another node).</summary>
    public int MaxStepRestarts { get; init; } = 8;

    /// <summary>Probe rounds per step before the request fails (a threshold search converges in a few).</summary>
    public int MaxProbeRounds { get; init; } = 200;

    /// <summary>The whole request fails after this long.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Softmax on streamed partitions (procedural, mapped, half, bit-packed): rows with e^{θ−m} &lt; ε/N are skipped, so Z and
    /// Xᵀp change by less than ε relative; 0 (default) sums every row. Resident partitions always sum every row.
    /// </summary>
    public double SoftmaxTolerance { get; init; }

    /// <summary>Checks every field; returns a one-line message naming the first bad one, or null.</summary>
    public string? Validate()
    {
        if (CandidateCap < 1) return $"candidate cap: must be ≥ 1 (got {CandidateCap})";
        if (RowCap < 0) return $"row cap: must be ≥ 0 (got {RowCap})";
        if (LeadRowCap < 0) return $"lead row cap: must be ≥ 0 (got {LeadRowCap})";
        if (MaxSupportPairs < 1) return $"max support pairs: must be ≥ 1 (got {MaxSupportPairs})";
        if (GatherCap < 1) return $"gather cap: must be ≥ 1 (got {GatherCap})";
        if (MaxGatherPairs < 1) return $"max gather pairs: must be ≥ 1 (got {MaxGatherPairs})";
        if (MaxMessageBytes < 64 * 1024) return $"max message bytes: must be ≥ 65536 (got {MaxMessageBytes})";
        if (RoundTimeout <= TimeSpan.Zero) return "round timeout: must be > 0";
        if (MaxRetries < 0) return $"max retries: must be ≥ 0 (got {MaxRetries})";
        if (RequestTimeout <= TimeSpan.Zero) return "request timeout: must be > 0";
        if (!(SoftmaxTolerance is >= 0 and < 1)) return $"softmax tolerance: must be in [0, 1) (got {SoftmaxTolerance})";
        return null;
    }
}
