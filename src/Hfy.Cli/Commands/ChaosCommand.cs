using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Hfy.Experiments;
using Hfy.Experiments.Engines;
using Hfy.Experiments.Results;
using Hfy.Experiments.Runner;
using Hfy.Web;

namespace Hfy.Cli.Commands;

/// <summary>
/// <c>hfy chaos</c>: a coordinator and bank nodes as separate <c>hfy</c> processes on 127.0.0.1, an experiment
/// submitted to them, and SIGKILLs of random members at random points of the experiment (each victim restarted at
/// once, as a supervisor would). Reports, per kill, the time until the next cell is stored (time to recover), and
/// at the end the cells lost, the cells run twice (a cell stored before a kill whose stored row changed) and the
/// difference from a run of the same spec on the kernels of this process. Exit code 0 when nothing was lost, nothing
/// ran twice and the results equal the local run; 1 otherwise.
/// </summary>
/// <remarks>
/// The nodes run with the production failure detection (the same settings as <c>hfy coordinator</c> / <c>hfy node</c>);
/// set <c>HFY_CONFIG</c> to a HOCON file to try others, every child process inherits the environment.
/// </remarks>
internal static class ChaosCommand
{
    /// <summary>How long a run may go without storing a cell before it counts as stuck.</summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromMinutes(5);

    /// <summary>The default experiment: 4 sizes × 2 maps × 2 β × 2 noise levels × 4 repeats = 128 cells.</summary>
    public const string DefaultSpec = """
        {
          "name": "chaos",
          "kind": "capacity",
          "bank": { "source": "sphere", "seed": 5, "dim": 16 },
          "grid": {
            "sizes": [4000, 8000, 16000, 32000],
            "maps": [ { "name": "sparsemax" }, { "name": "softmax" } ],
            "betas": [4, 8], "posts": ["identity"], "noise": [0.05, 0.1], "steps": 3, "repeats": 4
          },
          "success": { "criterion": "exact" },
          "queries": 12, "tol": 1e-9, "seed": 13
        }
        """;

    /// <summary>The command.</summary>
    public static Command Create()
    {
        var nodes = CliOption.WithDefault("--nodes", "bank nodes (default 2; one dies at a time, the others keep the bank)", 2, Rule.InRange(2, 16));
        var kills = CliOption.WithDefault("--kills", "kills spread at random over the experiment's cells (default 4)", 4, Rule.InRange(1, 1000));
        var seed = CliOption.WithDefault("--seed", "seed of the kill points and victims (default 1)", 1, Rule.AtLeast(0));
        var patience = CliOption.WithDefault("--patience", "seconds without a stored cell before the run counts as stuck (default 300)",
            (int)DefaultPatience.TotalSeconds, Rule.AtLeast(10));
        var spec = new Option<FileInfo>("--spec") { Description = "run this spec instead of the default 128-cell sweep" }.AcceptExistingOnly();
        var data = new Option<string?>("--data") { Description = "data directory of the coordinator and the logs (default: a new temporary directory)" };
        var cmd = new Command("chaos", "Kill cluster members at random during an experiment; report time to recover, cells lost and cells run twice")
        {
            nodes, kills, seed, patience, spec, data,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var json = parse.GetValue(spec) is { } f ? await File.ReadAllTextAsync(f.FullName, ct).ConfigureAwait(false) : DefaultSpec;
            var (parsed, errors) = SpecValidator.ParseAndValidate(json, SpecLimits.Default);
            if (errors.Count > 0) return Experiments.ExperimentConsole.PrintErrors(errors);
            var dir = parse.GetValue(data) is { } d ? Directory.CreateDirectory(d) : Directory.CreateTempSubdirectory("hfy-chaos-");
            var run = new ChaosRun(dir.FullName, parse.GetValue(nodes), TimeSpan.FromSeconds(parse.GetValue(patience)), Console.Out);
            try
            {
                return await run.RunAsync(json, parsed!, parse.GetValue(kills), parse.GetValue(seed), ct).ConfigureAwait(false);
            }
            catch (ChaosException e)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message} (logs in {run.LogDirectory})").ConfigureAwait(false);
                return 1;
            }
            finally
            {
                run.Dispose();
            }
        });
        return cmd;
    }

    /// <summary>The run could not go on (a member did not come up, the experiment failed or got stuck).</summary>
    private sealed class ChaosException(string message) : Exception(message);

    /// <summary>One kill: who, when (cells stored), and how long until the next cell was stored.</summary>
    private sealed record Kill(string Victim, int CellsAtKill, TimeSpan? Recovery);

    /// <summary>The processes of one chaos run and its bookkeeping.</summary>
    private sealed class ChaosRun(string dataDirectory, int bankNodes, TimeSpan patience, TextWriter output) : IDisposable
    {
        private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

        /// <summary>How long a kill waits for the cluster to settle before it goes ahead anyway.</summary>
        private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

        /// <summary>The sharding rebalance interval of every node (HfyConfig).</summary>
        private static readonly TimeSpan RebalanceInterval = TimeSpan.FromSeconds(5);
        private readonly Dictionary<string, Process> _processes = [];
        private readonly Dictionary<string, string[]> _args = [];
        private readonly Dictionary<string, StreamWriter> _logs = [];
        private Dictionary<string, string> _environment = [];

        public string LogDirectory { get; } = Path.Combine(dataDirectory, "chaos-logs");

        public async Task<int> RunAsync(string json, ExperimentSpec spec, int kills, int seed, CancellationToken ct)
        {
            Directory.CreateDirectory(LogDirectory);
            var clusterPort = FreePort();
            var seedBankPort = FreePort();
            var httpPort = FreePort();
            // Two seeds, the coordinator and the first bank node: either can die and the other still forms the cluster.
            _environment = new Dictionary<string, string> { ["HFY_SEEDS"] = $"127.0.0.1:{clusterPort},127.0.0.1:{seedBankPort}" };
            var members = new List<string> { "coordinator" };
            _args["coordinator"] = ["coordinator", "--host", "127.0.0.1", "--port", Invariant(clusterPort), "--http", $"127.0.0.1:{Invariant(httpPort)}", "--data", dataDirectory];
            for (var i = 1; i <= bankNodes; i++)
            {
                var name = $"bank-{Invariant(i)}";
                _args[name] = ["node", "--host", "127.0.0.1", "--port", i == 1 ? Invariant(seedBankPort) : "0"];
                members.Add(name);
            }

            foreach (var m in members) Start(m);
            using var client = new CoordinatorClient(new Uri($"http://127.0.0.1:{Invariant(httpPort)}"), null, TimeSpan.FromSeconds(30));
            await WaitForMembersAsync(client, members.Count, ct).ConfigureAwait(false);
            var id = await client.SubmitAsync(json, ct).ConfigureAwait(false);
            var store = ResultsStore.Open(dataDirectory);
            var total = (int)GridExpansion.Count(spec);
            output.WriteLine($"chaos: {Invariant(bankNodes)} bank nodes, experiment {id} ({Invariant(total)} cells), {Invariant(kills)} kills, seed {Invariant(seed)}; logs in {LogDirectory}");

            // Kill points spread at random over the cells; each waits for the previous recovery.
            var rng = new Random(seed);
            var points = Enumerable.Range(1, Math.Max(1, total - 1)).OrderBy(_ => rng.Next()).Take(Math.Min(kills, total - 1)).Order().ToArray();
            var coordinatorFirst = rng.Next(2) == 0;
            var snapshots = new List<Dictionary<string, DateTime>>();
            var done = new List<Kill>();
            var clock = Stopwatch.StartNew();
            foreach (var point in points)
            {
                if (!await WaitForCellsAsync(store, id, point, ct).ConfigureAwait(false)) break; // finished first
                if (store.GetExperiment(id)?.Status == ExperimentStatus.Finished) break;
                // Each kill hits a settled cluster: every member Up again and given time to get partitions (a node killed
                // before it holds any costs nothing and measures nothing; two deaths within one failure-detection
                // window leave no majority, see deploy/README.md "Failure modes").
                await WaitSettledAsync(client, members.Count, ct).ConfigureAwait(false);
                if (store.GetExperiment(id)?.Status == ExperimentStatus.Finished) break;
                // The first two kills are one coordinator and one bank node (in random order), the rest any member.
                var victim = done.Count switch
                {
                    0 when points.Length > 1 => coordinatorFirst ? members[0] : members[1 + rng.Next(bankNodes)],
                    1 => coordinatorFirst ? members[1 + rng.Next(bankNodes)] : members[0],
                    _ => members[rng.Next(members.Count)],
                };
                var killedAt = DateTime.UtcNow;
                var killed = Stopwatch.StartNew();
                KillNow(victim);
                // After the kill: a dead coordinator stores nothing more, so this is what it left.
                var before = Finished(store, id);
                snapshots.Add(before);
                Start(victim);
                // Recovered: a cell started after the kill is stored (cells in flight at the kill may still finish first).
                var recovered = await WaitForAsync(store, id, () => store.GetCells(id).Any(c => c.StartedUtc > killedAt), ct).ConfigureAwait(false);
                var kill = new Kill(victim, before.Count, recovered ? killed.Elapsed : null);
                done.Add(kill);
                output.WriteLine($"  kill {Invariant(done.Count)}: {victim,-11} at {Invariant(before.Count),4}/{Invariant(total)} cells; "
                    + (kill.Recovery is { } r ? $"next cell stored after {Seconds(r)} s" : "the experiment had no cell left"));
            }

            await WaitForCellsAsync(store, id, total, ct).ConfigureAwait(false);
            await WaitForStatusAsync(store, id, ct).ConfigureAwait(false);
            var elapsed = clock.Elapsed;
            return await ReportAsync(store, id, json, total, done, snapshots, elapsed, ct).ConfigureAwait(false);
        }

        private async Task<int> ReportAsync(ResultsStore store, string id, string json, int total, List<Kill> kills,
            List<Dictionary<string, DateTime>> snapshots, TimeSpan elapsed, CancellationToken ct)
        {
            var cells = store.GetCells(id);
            var after = cells.ToDictionary(c => c.Key, c => c.FinishedUtc);
            var expected = GridExpansion.Expand(ExperimentSpec.Parse(json)).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
            var lost = expected.Count(k => !after.ContainsKey(k));
            // Unique (experiment, key) in the store: a cell can only run twice by being stored before a kill and again after.
            var twice = snapshots.SelectMany(s => s).Where(kv => after.GetValueOrDefault(kv.Key) != kv.Value).Select(kv => kv.Key).Distinct().Count();
            var (mismatched, maxCosine) = await CompareWithLocalRunAsync(json, cells, ct).ConfigureAwait(false);

            output.WriteLine($"experiment {id}: {Invariant(cells.Count)}/{Invariant(total)} cells stored in {Seconds(elapsed)} s with {Invariant(kills.Count)} kills");
            foreach (var group in kills.Where(k => k.Recovery is not null).GroupBy(k => k.Victim == "coordinator" ? "coordinator" : "bank node"))
            {
                var seconds = group.Select(k => k.Recovery!.Value.TotalSeconds).ToArray();
                output.WriteLine($"  time to recover after a {group.Key} kill: mean {Seconds(TimeSpan.FromSeconds(seconds.Average()))} s, "
                    + $"max {Seconds(TimeSpan.FromSeconds(seconds.Max()))} s over {Invariant(seconds.Length)} kills");
            }

            output.WriteLine($"  members that stopped by themselves (downed) and were restarted: {Invariant(SelfStops)}");
            output.WriteLine($"  cells lost: {Invariant(lost)}");
            output.WriteLine($"  cells run twice: {Invariant(twice)}");
            output.WriteLine($"  against a local run: {Invariant(mismatched)} cells with other rates or support histograms, max |Δ mean cosine| {maxCosine.ToString("g3", CultureInfo.InvariantCulture)}");
            return lost == 0 && twice == 0 && mismatched == 0 && maxCosine <= 1e-6 ? 0 : 1;
        }

        /// <summary>The same spec on the kernels of this process: cells whose rates differ, and the largest mean-cosine difference.</summary>
        private static async Task<(int Mismatched, double MaxCosine)> CompareWithLocalRunAsync(string json, IReadOnlyList<CellRecord> cells, CancellationToken ct)
        {
            var dir = Directory.CreateTempSubdirectory("hfy-chaos-local-");
            try
            {
                var runner = new ExperimentRunner(new LocalEngine(), ResultsStore.Open(dir.FullName));
                var localId = runner.Submit(ExperimentSpec.Parse(json), SpecLimits.Default);
                await runner.RunAsync(localId, null, ct).ConfigureAwait(false);
                var local = runner.Store.GetCells(localId).ToDictionary(c => c.Key);
                var mismatched = 0;
                var maxCosine = 0.0;
                foreach (var cell in cells)
                {
                    if (!local.TryGetValue(cell.Key, out var want))
                    {
                        mismatched++;
                        continue;
                    }

                    var (w, g) = (want.Metrics, cell.Metrics);
                    if (w.SuccessRate != g.SuccessRate || w.ExactRate != g.ExactRate || w.CosineRate != g.CosineRate || !w.SupportHistogram.SequenceEqual(g.SupportHistogram))
                    {
                        mismatched++;
                    }

                    maxCosine = Math.Max(maxCosine, Math.Abs(w.MeanCosine - g.MeanCosine));
                }

                return (mismatched, maxCosine);
            }
            finally
            {
                try
                {
                    dir.Delete(recursive: true);
                }
                catch (IOException)
                {
                    // SQLite may hold the file a moment longer; the temporary directory is the OS's to clean.
                }
            }
        }

        /// <summary>Waits until at least <paramref name="count"/> cells are stored; false when the experiment ended with fewer.</summary>
        private Task<bool> WaitForCellsAsync(ResultsStore store, string id, int count, CancellationToken ct) =>
            WaitForAsync(store, id, () => store.CountCells(id) >= count, ct);

        /// <summary>Waits until <paramref name="condition"/> holds; false when the experiment ended first.</summary>
        private async Task<bool> WaitForAsync(ResultsStore store, string id, Func<bool> condition, CancellationToken ct)
        {
            var last = -1;
            var progress = Stopwatch.StartNew();
            while (true)
            {
                Supervise();
                if (condition()) return true;
                var stored = store.CountCells(id);
                var record = store.GetExperiment(id);
                if (record?.Status == ExperimentStatus.Failed) throw new ChaosException($"experiment {id} failed: {record.Error}");
                if (record?.Status is ExperimentStatus.Finished or ExperimentStatus.Cancelled) return false;
                if (stored != last)
                {
                    last = stored;
                    progress.Restart();
                }
                else if (progress.Elapsed > patience)
                {
                    throw new ChaosException($"no cell stored for {Seconds(patience)} s ({Invariant(stored)} stored)");
                }

                await Task.Delay(Poll, ct).ConfigureAwait(false);
            }
        }

        private async Task WaitForStatusAsync(ResultsStore store, string id, CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            while (store.GetExperiment(id)?.Status != ExperimentStatus.Finished)
            {
                Supervise();
                if (clock.Elapsed > patience) throw new ChaosException($"every cell stored but experiment {id} not marked finished");
                await Task.Delay(Poll, ct).ConfigureAwait(false);
            }
        }

        private async Task WaitForMembersAsync(CoordinatorClient client, int count, CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < patience)
            {
                try
                {
                    using var doc = await client.GetAsync("api/cluster", ct).ConfigureAwait(false);
                    if (doc.RootElement.GetProperty("membersUp").GetInt32() == count) return;
                }
                catch (CoordinatorClientException)
                {
                    // Not listening yet.
                }

                await Task.Delay(Poll * 5, ct).ConfigureAwait(false);
            }

            throw new ChaosException($"the cluster did not reach {Invariant(count)} members Up");
        }

        /// <summary>Waits up to <see cref="SettleTimeout"/> for every member Up, then one rebalance interval.</summary>
        private async Task WaitSettledAsync(CoordinatorClient client, int members, CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < SettleTimeout)
            {
                Supervise();
                try
                {
                    using var cluster = await client.GetAsync("api/cluster", ct).ConfigureAwait(false);
                    if (cluster.RootElement.GetProperty("membersUp").GetInt32() == members)
                    {
                        // One sharding rebalance interval (5 s) for partitions to reach a node that just came back.
                        await Task.Delay(RebalanceInterval, ct).ConfigureAwait(false);
                        return;
                    }
                }
                catch (CoordinatorClientException)
                {
                    // The coordinator is restarting.
                }

                await Task.Delay(Poll, ct).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Restarts a member that stopped by itself, as a supervisor would: a node the split brain resolver downed
        /// exits (e.g. every member once two of three died within one failure-detection window: no majority left).
        /// </summary>
        private void Supervise()
        {
            foreach (var (name, process) in _processes.ToArray())
            {
                if (!process.HasExited) continue;
                SelfStops++;
                output.WriteLine($"  {name} stopped by itself (exit code {Invariant(process.ExitCode)}, {DateTime.UtcNow:HH:mm:ss}); restarted");
                _logs[name].WriteLine($"=== stopped by itself {DateTime.UtcNow:O}");
                process.Dispose();
                Start(name);
            }
        }

        /// <summary>Members that stopped without being killed (downed) and were restarted.</summary>
        public int SelfStops { get; private set; }

        private static Dictionary<string, DateTime> Finished(ResultsStore store, string id) =>
            store.GetCells(id).ToDictionary(c => c.Key, c => c.FinishedUtc);

        /// <summary>Starts <c>hfy ARGS</c> (this executable) for a member; its output goes to LOGS/NAME.log.</summary>
        private void Start(string name)
        {
            var self = Environment.ProcessPath ?? throw new ChaosException("cannot tell which executable this is");
            var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
            foreach (var a in _args[name]) info.ArgumentList.Add(a);
            foreach (var (k, v) in _environment) info.Environment[k] = v;
            if (!_logs.TryGetValue(name, out var log))
            {
                log = new StreamWriter(Path.Combine(LogDirectory, name + ".log"), append: true) { AutoFlush = true };
                _logs[name] = log;
            }

            log.WriteLine($"=== started {DateTime.UtcNow:O}");
            var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => Write(log, e.Data);
            process.ErrorDataReceived += (_, e) => Write(log, e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _processes[name] = process;
        }

        private static void Write(StreamWriter log, string? line)
        {
            if (line is null) return;
            lock (log) log.WriteLine(line);
        }

        /// <summary>SIGKILL: no shutdown of any kind, as a crash.</summary>
        private void KillNow(string name)
        {
            var process = _processes[name];
            _logs[name].WriteLine($"=== killed {DateTime.UtcNow:O}");
            process.Kill();
            process.WaitForExit();
            process.Dispose();
        }

        public void Dispose()
        {
            foreach (var process in _processes.Values)
            {
                try
                {
                    if (!process.HasExited)
                    {
                        process.Kill(entireProcessTree: true);
                        process.WaitForExit(10_000);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }

                process.Dispose();
            }

            foreach (var log in _logs.Values) log.Dispose();
        }

        private static int FreePort()
        {
            using var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            return ((IPEndPoint)l.LocalEndpoint).Port;
        }

        private static string Invariant(int v) => v.ToString(CultureInfo.InvariantCulture);

        private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
    }
}
