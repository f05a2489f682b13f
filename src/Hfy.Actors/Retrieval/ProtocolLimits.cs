namespace Hfy.Actors.Retrieval;

/// <summary>
/// Per-request caps that keep every protocol message below <see cref="RetrievalSettings.MaxMessageBytes"/>
/// (and so below the transport frame size): candidates, shipped rows and pairs per query shrink with the
/// batch size and the dimension.
/// </summary>
/// <param name="CandidateCap">Candidates per query per partition in the score round.</param>
/// <param name="RowCap">Rows per query per partition shipped with complete candidate lists.</param>
/// <param name="PairCap">(id, weight) pairs per query per partition on the last step.</param>
/// <param name="GatherCap">Gathered candidates per query per partition (the reply streams in chunks, so the message budget does not bound it).</param>
/// <param name="LeadRows">Rows per query per partition shipped with the top candidates of an incomplete list (≤ RowCap).</param>
public readonly record struct ProtocolLimits(int CandidateCap, int RowCap, int PairCap, int GatherCap, int LeadRows = 0)
{
    private const int Overhead = 96;

    /// <summary>Largest score reply these caps allow (bytes, upper bound).</summary>
    public static long ScoreReplyBytes(int batch, int dim, int anchorRank, int candidateCap, int rowCap, int pairCap) =>
        batch * (Overhead + 8L * anchorRank + 12L * Math.Max(candidateCap, pairCap) + 4L * rowCap * dim + 12L * dim);

    /// <summary>Largest readout reply these caps allow (bytes, upper bound).</summary>
    public static long ReadoutReplyBytes(int batch, int dim, int pairCap) => batch * (Overhead + 12L * dim + 16L * pairCap);

    /// <summary>Plans the caps for a batch; throws <see cref="ArgumentException"/> when even minimal messages would not fit.</summary>
    public static ProtocolLimits Plan(RetrievalSettings settings, int batch, int dim, int anchorRank)
    {
        ArgumentNullException.ThrowIfNull(settings);
        long budget = settings.MaxMessageBytes;
        if ((long)batch * dim * 12 + Overhead * (long)batch > budget)
            throw new ArgumentException($"batch: {batch} queries × dim {dim} exceed one message of {budget} bytes; split the batch", nameof(batch));
        if (batch * (Overhead + 8L * anchorRank + 12L * dim) > budget)
            throw new ArgumentException($"k: top-{anchorRank} lists for {batch} queries exceed one message of {budget} bytes", nameof(anchorRank));

        int cand = settings.CandidateCap, rows = settings.RowCap, pairs = settings.MaxSupportPairs;
        while (ScoreReplyBytes(batch, dim, anchorRank, cand, rows, pairs) > budget || ReadoutReplyBytes(batch, dim, pairs) > budget)
        {
            if (rows > 0) rows /= 2;
            else if (pairs > cand) pairs /= 2;
            else if (cand > 1) { cand /= 2; pairs = Math.Min(pairs, cand); }
            else throw new ArgumentException($"batch: {batch} queries × dim {dim} leave no room for candidates in {budget} bytes", nameof(batch));
        }

        return new ProtocolLimits(cand, rows, Math.Max(1, pairs), settings.GatherCap, Math.Min(settings.LeadRowCap, rows));
    }
}
