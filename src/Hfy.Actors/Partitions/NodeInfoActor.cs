using System.Diagnostics;
using Akka.Actor;
using Hfy.Kernels.Storage;

namespace Hfy.Actors.Partitions;

/// <summary>
/// Answers <see cref="NodeMemoryRequest"/> on a bank node with the process's memory, its budget and the storage kinds
/// of the partitions it hosts (partition actors announce their kind with <see cref="StorageHeld"/>). The coordinator polls
/// it for the dashboard. Nodes of one process (the embedded cluster) share one resident set.
/// </summary>
public sealed class NodeInfoActor : ReceiveActor
{
    /// <summary>The actor's name under /user.</summary>
    public const string Name = "hfy-node-info";

    private readonly Dictionary<string, string> _storage = new(StringComparer.Ordinal);

    /// <summary>Creates the actor.</summary>
    public NodeInfoActor()
    {
        var budget = SafeBudget();
        Receive<StorageHeld>(m =>
        {
            if (m.Kind is null) _storage.Remove(m.Partition);
            else _storage[m.Partition] = m.Kind;
        });
        Receive<NodeMemoryRequest>(_ =>
        {
            using var process = Process.GetCurrentProcess();
            var node = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
            Sender.Tell(new NodeMemory(node, process.WorkingSet64, process.PeakWorkingSet64, budget, GC.GetTotalMemory(false),
                [.. _storage.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]));
        });
    }

    /// <summary>Props of the actor.</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new NodeInfoActor());

    private static long SafeBudget()
    {
        try
        {
            return MemoryAdmission.NodeBudget();
        }
        catch (ArgumentException)
        {
            return 0;
        }
    }
}

/// <summary>A partition on this node now holds rows of this storage kind (null: it dropped them). Local only.</summary>
/// <param name="Partition">The partition's entity id.</param>
/// <param name="Kind">Storage kind, lower case, or null.</param>
public sealed record StorageHeld(string Partition, string? Kind) : INoSerializationVerificationNeeded;
