using BenchmarkDotNet.Running;

namespace Hfy.Bench;

/// <summary>BenchmarkDotNet micro-benchmarks: <c>dotnet run -c Release --project bench/Hfy.Bench -- --filter '*'</c>.</summary>
public static class BenchProgram
{
    /// <summary>Runs the benchmarks selected by the arguments.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchProgram).Assembly).Run(args);
}
