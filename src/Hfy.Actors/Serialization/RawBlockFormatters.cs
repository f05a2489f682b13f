using System.Runtime.InteropServices;
using Hfy.Kernels.Maps;
using Hfy.Kernels.Storage;
using MessagePack;
using MessagePack.Formatters;

namespace Hfy.Actors.Serialization;

/// <summary>
/// T[] as one MessagePack bin of raw little-endian bytes (float: 4 bytes per value instead of 5, and one memcpy
/// instead of a loop): score, row and query blocks (float), readouts, τ vectors and softmax r (double), global row
/// ids (long) are most of the protocol's bytes.
/// </summary>
internal sealed class RawBlockFormatter<T> : IMessagePackFormatter<T[]?>
    where T : unmanaged
{
    public static readonly RawBlockFormatter<T> Instance = new();

    public void Serialize(ref MessagePackWriter writer, T[]? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.Write(MemoryMarshal.AsBytes(value.AsSpan()));
    }

    public T[]? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        var bytes = reader.ReadBytes() ?? throw new MessagePackSerializationException("expected a bin block");
        var size = Marshal.SizeOf<T>();
        if (bytes.Length % size != 0)
            throw new MessagePackSerializationException($"block of {bytes.Length} bytes is not a whole number of {typeof(T).Name} values");
        var result = new T[bytes.Length / size];
        System.Buffers.BuffersExtensions.CopyTo(bytes, MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }
}

/// <summary><see cref="BankSpec"/> (a kernel record without MessagePack attributes) as a 10-element array (8 before storage kinds: still read).</summary>
internal sealed class BankSpecFormatter : IMessagePackFormatter<BankSpec?>
{
    public static readonly BankSpecFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, BankSpec? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(10);
        writer.Write(value.Name);
        writer.Write(value.Rows);
        writer.Write(value.Dim);
        writer.Write((int)value.Source);
        writer.Write(value.Seed);
        writer.Write(value.Path);
        writer.Write(value.Offset);
        writer.Write((int)value.Normalization);
        writer.Write((int)value.Storage);
        writer.Write((int)value.Generator);
    }

    public BankSpec? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        var fields = reader.ReadArrayHeader();
        if (fields is not (8 or 10)) throw new MessagePackSerializationException($"BankSpec: expected 10 fields (got {fields})");
        var name = reader.ReadString() ?? throw new MessagePackSerializationException("BankSpec: name is nil");
        var rows = reader.ReadInt64();
        var dim = reader.ReadInt32();
        var source = Enum<BankSourceKind>(reader.ReadInt32());
        var seed = reader.ReadUInt64();
        var path = reader.ReadString();
        var offset = reader.ReadInt64();
        var norm = Enum<RowNormalization>(reader.ReadInt32());
        var storage = fields == 10 ? Enum<BankStorage>(reader.ReadInt32()) : BankStorage.Auto;
        var generator = fields == 10 ? Enum<ProceduralGenerator>(reader.ReadInt32()) : ProceduralGenerator.Legacy;
        return new BankSpec(name, rows, dim, source, seed, path, offset, norm, storage, generator);
    }

    internal static T Enum<T>(int value)
        where T : struct, Enum =>
        System.Enum.IsDefined(typeof(T), value) ? (T)(object)value : throw new MessagePackSerializationException($"{typeof(T).Name}: undefined value {value}");
}

/// <summary><see cref="MapSpec"/> as a 7-element array.</summary>
internal sealed class MapSpecFormatter : IMessagePackFormatter<MapSpec?>
{
    public static readonly MapSpecFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, MapSpec? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(7);
        writer.Write((int)value.Kind);
        writer.Write(value.Alpha);
        writer.Write(value.Gamma);
        writer.Write(value.K);
        writer.Write(value.Normalize);
        writer.Write(value.W);
        writer.Write(value.Compat);
    }

    public MapSpec? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        if (reader.ReadArrayHeader() != 7) throw new MessagePackSerializationException("MapSpec: expected 7 fields");
        return new MapSpec(
            BankSpecFormatter.Enum<MapKind>(reader.ReadInt32()),
            reader.ReadDouble(),
            reader.ReadDouble(),
            reader.ReadDouble(),
            reader.ReadBoolean(),
            reader.ReadDouble(),
            reader.ReadBoolean());
    }
}
