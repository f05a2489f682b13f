using Hfy.Actors.Protocol;
using MessagePack;

namespace Hfy.Actors.Partitions;

// The coordinator's poll of each bank node's memory (docs/architecture.md, memory admission): it asks the node's
// NodeInfoActor, not a partition, so this conversation stands apart from the partition protocol.

/// <summary>Asks a bank node's <c>hfy-node-info</c> actor for its memory. Reply: <see cref="NodeMemory"/>.</summary>
[MessagePackObject]
public sealed record NodeMemoryRequest([property: Key(0)] long Sequence) : IHfyMessage;

/// <summary>A bank node's memory (docs/architecture.md, memory admission).</summary>
/// <param name="Node">The node's address.</param>
/// <param name="WorkingSet">Resident set now, bytes.</param>
/// <param name="PeakWorkingSet">Peak resident set since the process started, bytes.</param>
/// <param name="Budget">The node's memory budget for banks (HFY_MEMORY_BUDGET or ¾ of available memory), bytes.</param>
/// <param name="ManagedHeap">Bytes of the managed heap in use.</param>
/// <param name="Storage">Storage kinds of the partitions it holds (lower case, distinct, sorted).</param>
[MessagePackObject]
public sealed record NodeMemory(
    [property: Key(0)] string Node,
    [property: Key(1)] long WorkingSet,
    [property: Key(2)] long PeakWorkingSet,
    [property: Key(3)] long Budget,
    [property: Key(4)] long ManagedHeap,
    [property: Key(5)] string[] Storage) : IHfyMessage;
