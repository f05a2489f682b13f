using System.Globalization;
using Hfy.Kernels.Maps;

namespace Hfy.Kernels.Tests.Retrieval;

/// <summary>The maps of the retrieval tests by name: softmax, sparsemax, entmax-α, normmax-γ, ksubsets-k, seq-ksubsets-k (w = 0.5).</summary>
internal static class TestMaps
{
    public static MapSpec Parse(string name)
    {
        var dash = name.LastIndexOf('-');
        var head = dash < 0 ? name : name[..dash];
        double Arg() => double.Parse(name[(dash + 1)..], CultureInfo.InvariantCulture);
        return head switch
        {
            "softmax" => MapSpec.Softmax,
            "sparsemax" => MapSpec.Sparsemax,
            "entmax" => MapSpec.Entmax(Arg()),
            "normmax" => MapSpec.Normmax(Arg()),
            "ksubsets" => MapSpec.KSubsets(Arg()),
            "seq-ksubsets" => MapSpec.SeqKSubsets((int)Arg(), 0.5),
            _ => throw new ArgumentException($"unknown test map '{name}'", nameof(name)),
        };
    }
}
