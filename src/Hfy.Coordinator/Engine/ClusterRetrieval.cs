using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Storage;
using Hfy.Experiments.Engines;

namespace Hfy.Coordinator.Engine;

/// <summary>
/// <c>hfy retrieve --cluster N</c>: the same retrieval on an embedded cluster of N bank nodes (real remoting and
/// serialization over loopback), for banks that a spec can describe (generated, or a .npy / .csv / IDX file).
/// </summary>
public static class ClusterRetrieval
{
    /// <summary>The bank spec of a <c>--memories</c> source: <c>gen:KIND:N:D[:SEED]</c> or a .npy, .csv or IDX file.</summary>
    /// <exception cref="ArgumentException">The source cannot be described by a spec (e.g. JSON), naming the field.</exception>
    public static BankSpec SpecFromSource(string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        if (BankAddress.IsGeneratedAddress(source))
        {
            try
            {
                return BankAddress.ParseGenerated(source);
            }
            catch (FormatException e)
            {
                throw new ArgumentException(e.Message, nameof(source), e);
            }
        }

        var fileKind = BankAddress.FileFormatOf(source)
            ?? throw new ArgumentException($"cluster: memories '{source}' must be gen:… or a .npy, .csv or IDX file (JSON banks run in-process only)", nameof(source));
        var full = Path.GetFullPath(source);
        var (rows, cols) = BankSources.FileShape(fileKind, full);
        return new BankSpec("cli", rows, cols, fileKind, Path: full);
    }

    /// <summary>Runs the dynamics for a batch on an embedded cluster of <paramref name="bankNodes"/> bank nodes and shuts it down.</summary>
    public static async Task<BatchRetrievalResult> RunAsync(BankSpec spec, float[] queries, int batch, RetrievalOptions options, int bankNodes, CancellationToken cancellationToken = default) =>
        await RunAsync(spec, queries, batch, options, bankNodes, null, cancellationToken).ConfigureAwait(false);

    /// <summary><see cref="RunAsync(BankSpec, float[], int, RetrievalOptions, int, CancellationToken)"/> with the protocol's settings (timeouts, caps, softmax tolerance).</summary>
    public static async Task<BatchRetrievalResult> RunAsync(BankSpec spec, float[] queries, int batch, RetrievalOptions options, int bankNodes, Hfy.Actors.Retrieval.RetrievalSettings? settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (bankNodes < 1) throw new ArgumentException($"cluster: must be ≥ 1 bank node (got {bankNodes})", nameof(bankNodes));
        // Logging off: the command's JSON goes to stdout, where Akka's logger writes too.
        var clusterOptions = new EmbeddedClusterOptions { LogLevel = "OFF" };
        await using var cluster = await EmbeddedCluster.StartAsync(bankNodes, clusterOptions, cancellationToken).ConfigureAwait(false);
        if (settings is null)
        {
            await cluster.Engine.CreateBankAsync(spec, cancellationToken).ConfigureAwait(false);
            return await cluster.Engine.RetrieveAsync(spec.Name, queries, batch, options, cancellationToken).ConfigureAwait(false);
        }

        await using var engine = new ClusterEngine(cluster.Coordinator, cluster.Region, new ClusterEngineOptions { Retrieval = settings });
        await engine.CreateBankAsync(spec, cancellationToken).ConfigureAwait(false);
        return await engine.RetrieveAsync(spec.Name, queries, batch, options, cancellationToken).ConfigureAwait(false);
    }
}
