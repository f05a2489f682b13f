using System.CommandLine;
using System.Globalization;
using Hfy.Kernels.Dynamics;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Retrieval;
using Hfy.Kernels.Storage;

namespace Hfy.Cli.Commands;

/// <summary>
/// <c>hfy retrieve --memories FILE|gen:KIND:N:D:SEED --queries FILE|rows:I,J,... --map NAME [map options] --beta B
/// --steps T [--tol E] [--post identity|l2|layernorm|tanh] [--noise S] [--output FILE|-]</c>: runs the HFY dynamics
/// (docs/math.md §1) in this process and prints, per query, q, p {ids, weights}, support, energy trace, steps and
/// the retrieved pattern (or null), plus the map label and whether k-subsets marginals are unscaled.
/// </summary>
internal static class RetrieveCommand
{
    public static Command Create()
    {
        var memories = CommonOptions.Memories();
        var queries = new Option<string>("--queries") { Description = "initial states: .npy, .csv, JSON {\"rows\": [[...]]}, or rows:I,J,... (copies of memory rows)", Required = true };
        var map = new Option<string>("--map") { Description = "softmax, entmax, sparsemax, normmax, ksubsets or seq-ksubsets", Required = true };
        var beta = CommonOptions.Beta();
        var steps = CommonOptions.Steps();
        var tol = CliOption.WithDefault("--tol", "stop early once ‖q_{t+1} − q_t‖ ≤ tol (default 0: run T steps)", 0.0, Rule.NonNegative);
        var post = CliOption.Choice("--post", "identity (default), l2, layernorm or tanh", "post-transform", PostTransform.Identity,
            [("identity", PostTransform.Identity), ("none", PostTransform.Identity), ("l2", PostTransform.L2),
             ("layernorm", PostTransform.LayerNorm), ("layer-norm", PostTransform.LayerNorm), ("tanh", PostTransform.Tanh)]);
        var noise = CliOption.Optional<double>("--noise", "add N(0, σ²) noise to every query (seeded by --noise-seed)", Rule.NonNegative);
        var noiseSeed = CliOption.WithDefault("--noise-seed", "seed of --noise (default 1)", 1UL);
        var retrievedTol = CliOption.WithDefault("--retrieved-tol", "q_T counts as pattern i when ‖q_T − x̃_i‖∞ ≤ this (default 1e-6)", 1e-6, Rule.NonNegative);
        var output = CommonOptions.Output();
        var cluster = CliOption.Optional("--cluster", "run on an embedded cluster of N bank nodes (loopback TCP) instead of in-process", Rule.AtLeast(1));
        var storage = CliOption.Choice("--storage", "how the bank is held: auto (default: the float64 per-query path on a resident bank), resident, half, bits, mapped (.npy) or procedural (gen:) — every kind but auto streams batches through fused passes", "storage kind", BankStorage.Auto,
            [("auto", BankStorage.Auto), ("resident", BankStorage.Resident), ("half", BankStorage.Half), ("bits", BankStorage.Bits), ("mapped", BankStorage.Mapped), ("procedural", BankStorage.Procedural)]);
        var softmaxTolerance = CliOption.WithDefault("--softmax-tolerance", "streamed softmax: skip rows whose weight is below ε/N (Z and Xᵀp change by < ε relative; default 0: every row)", 0.0, Rule.NonNegative);
        var generator = CliOption.Choice("--generator", "gen: banks: legacy (default; the rows of earlier runs) or vector (20 × faster)", "generator", ProceduralGenerator.Legacy,
            [("legacy", ProceduralGenerator.Legacy), ("vector", ProceduralGenerator.Vector)]);
        var mapOptions = new MapOptions();
        var command = new Command("retrieve", "Run HFY retrieval dynamics on a memory bank in this process; JSON out, float64");
        foreach (var o in new Option[] { memories, queries, map, beta, steps, tol, post, noise, noiseSeed, retrievedTol, output, cluster, storage, generator, softmaxTolerance }) command.Options.Add(o);
        mapOptions.AddTo(command);

        command.SetAction(parse => CliErrors.Run(parse, stdout =>
        {
            var storageKind = parse.GetValue(storage);
            var generatorKind = parse.GetValue(generator);
            // A stored kind: the bank is opened as that store (never materialized unless resident) and batches stream.
            var store = storageKind == BankStorage.Auto ? null : MemoriesArgument.Open(parse.GetValue(memories), storageKind, generatorKind);
            var bank = store is null ? MemoriesArgument.Read(parse.GetValue(memories), generatorKind) : null;
            IPatternStore rows = store ?? bank!;
            var (q, batch) = ReadQueries(parse.GetValue(queries), rows);
            var spec = mapOptions.Build(parse, parse.GetValue(map), "map", rows.Rows);
            var b = parse.GetValue(beta);
            var t = parse.GetValue(steps);
            var e = parse.GetValue(tol);
            var rt = parse.GetValue(retrievedTol);
            var postKind = parse.GetValue(post);
            if (parse.GetValue(noise) is { } sigma)
            {
                var seed = parse.GetValue(noiseSeed);
                var g = new float[q.Length];
                BankGenerator.Fill(BankSourceKind.Gaussian, seed, rows.Dim, 0, g);
                for (var i = 0; i < q.Length; i++) q[i] += (float)(sigma * g[i]);
            }

            var options = new RetrievalOptions(spec, b, t, e, postKind, rt);
            var results = new RetrievalResult[batch];
            long? passes = null;
            if (parse.GetValue(cluster) is { } nodes)
            {
                var clusterSpec = Hfy.Coordinator.Engine.ClusterRetrieval.SpecFromSource(parse.GetValue(memories)!) with { Storage = storageKind, Generator = generatorKind };
                results = Hfy.Coordinator.Engine.ClusterRetrieval.RunAsync(clusterSpec, q, batch, options, nodes).GetAwaiter().GetResult().Results;
            }
            else if (store is not null)
            {
                results = HfyDynamics.RunBatch(store, q, batch, options, new StoreSourceSettings { SoftmaxTolerance = parse.GetValue(softmaxTolerance) }, out var made);
                passes = made;
            }
            else
            {
                var work = PostTransforms.NormalizedCopy(bank!, postKind);
                var mapInstance = MapFactory.Create(spec);
                for (var i = 0; i < batch; i++) results[i] = HfyDynamics.RunPrepared(work, q.AsSpan(i * rows.Dim, rows.Dim), options, mapInstance);
            }

            JsonIo.WriteOutput(parse.GetValue(output), stdout, w =>
            {
                w.WriteStartObject();
                w.WriteString("map", spec.Label);
                if (spec.Kind == MapKind.KSubsets) w.WriteBoolean("unscaledMarginals", !spec.Normalize);
                else w.WriteNull("unscaledMarginals");
                w.WriteString("post", postKind.ToString().ToLowerInvariant());
                w.WriteNumber("beta", b);
                w.WriteNumber("maxSteps", t);
                w.WriteNumber("patterns", rows.Rows);
                w.WriteNumber("dim", rows.Dim);
                w.WriteString("storage", storageKind.ToString().ToLowerInvariant());
                if (passes is { } made) w.WriteNumber("passes", made);
                w.WritePropertyName("results");
                w.WriteStartArray();
                foreach (var r in results)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("q");
                    JsonIo.WriteArray(w, r.Q);
                    w.WritePropertyName("p");
                    w.WriteStartObject();
                    w.WritePropertyName("ids");
                    w.WriteStartArray();
                    foreach (var id in r.Ids) w.WriteNumberValue(id);
                    w.WriteEndArray();
                    w.WritePropertyName("weights");
                    JsonIo.WriteArray(w, r.Weights);
                    w.WriteEndObject();
                    w.WriteNumber("support", r.SupportSize);
                    w.WritePropertyName("energy");
                    JsonIo.WriteArray(w, r.Energy);
                    w.WriteNumber("steps", r.Steps);
                    if (r.Retrieved is { } idx) w.WriteNumber("retrieved", idx);
                    else w.WriteNull("retrieved");
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return 0;
        }));
        return command;
    }

    private static (float[] Queries, int Batch) ReadQueries(string? source, IPatternStore bank)
    {
        if (string.IsNullOrWhiteSpace(source)) throw new CliUsageException("queries: required (a file or rows:I,J,...)");
        if (source.StartsWith("rows:", StringComparison.OrdinalIgnoreCase))
        {
            var ids = source[5..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (ids.Length == 0) throw new CliUsageException("queries: rows: needs at least one row index");
            var q = new float[ids.Length * bank.Dim];
            for (var i = 0; i < ids.Length; i++)
            {
                if (!long.TryParse(ids[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) || r < 0 || r >= bank.Rows)
                    throw new CliUsageException($"queries: row '{ids[i]}' must be an index in 0..{bank.Rows - 1}");
                bank.ReadRow(r, q.AsSpan(i * bank.Dim, bank.Dim));
            }
            return (q, ids.Length);
        }
        var m = JsonIo.ReadMatrix(source, "queries", "rows");
        JsonIo.RequireFinite(m, "queries");
        if (m.Cols != bank.Dim) throw new CliUsageException($"queries: dimension {m.Cols} does not match the memories' dimension {bank.Dim}");
        return (m.ToFloat(), m.Rows);
    }
}
