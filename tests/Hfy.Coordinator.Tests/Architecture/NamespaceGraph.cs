using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Hfy.Coordinator.Tests.Architecture;

/// <summary>
/// Which namespace uses which, read from compiled assemblies with System.Reflection.Metadata: a type uses every type
/// named in its base type, interfaces, generic constraints, field, method, property and event signatures, local
/// variables, catch clauses, attributes, and every type, method or field token in its method bodies (the IL), with
/// generic arguments. Nested and compiler-generated types (closures, state machines) count as their outermost type.
/// </summary>
/// <remarks>
/// Reading the IL rather than the <c>using</c> lines catches fully qualified names, and reading signatures catches
/// members that are declared but never called. Constants and <c>nameof</c> leave no trace in metadata and are not seen.
/// </remarks>
internal sealed class NamespaceGraph
{
    private static readonly Dictionary<ushort, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .DistinctBy(op => (ushort)op.Value)
        .ToDictionary(op => (ushort)op.Value, op => op.OperandType);

    /// <summary>Edges from namespace to namespace, each with the "type → type" pairs that make it.</summary>
    public Dictionary<string, Dictionary<string, SortedSet<string>>> Edges { get; } = new(StringComparer.Ordinal);

    /// <summary>Every namespace seen (as a source of edges, with at least one type).</summary>
    public SortedSet<string> Namespaces { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds the types of the assembly file at <paramref name="path"/> whose namespace passes <paramref name="include"/>.</summary>
    public void Add(string path, Func<string, bool> include)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var reader = pe.GetMetadataReader();
        foreach (var handle in reader.TypeDefinitions)
        {
            var owner = Outermost(reader, handle);
            var from = reader.GetString(reader.GetTypeDefinition(owner).Namespace);
            if (!include(from)) continue;
            Namespaces.Add(from);
            var fromName = reader.GetString(reader.GetTypeDefinition(owner).Name);
            var collector = new Collector(reader);
            collector.Type(handle, pe);
            foreach (var (to, toName) in collector.Used)
            {
                if (to == from || !include(to)) continue;
                if (!Edges.TryGetValue(from, out var targets)) Edges[from] = targets = new(StringComparer.Ordinal);
                if (!targets.TryGetValue(to, out var pairs)) targets[to] = pairs = new(StringComparer.Ordinal);
                pairs.Add($"{fromName} → {toName}");
            }
        }
    }

    /// <summary>The strongly connected components with more than one namespace: each is a set of namespaces that use one another in a cycle.</summary>
    public List<List<string>> Cycles()
    {
        // Tarjan's algorithm over the namespaces.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<List<string>>();
        var nodes = Namespaces.Union(Edges.Values.SelectMany(e => e.Keys)).Order(StringComparer.Ordinal).ToList();

        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in Edges.TryGetValue(v, out var targets) ? targets.Keys.Order(StringComparer.Ordinal) : Enumerable.Empty<string>())
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do
            {
                x = stack.Pop();
                onStack.Remove(x);
                component.Add(x);
            } while (x != v);
            if (component.Count > 1) result.Add([.. component.Order(StringComparer.Ordinal)]);
        }

        foreach (var v in nodes)
            if (!index.ContainsKey(v)) Visit(v);
        return result;
    }

    /// <summary>The edges inside one cycle, each with the type pairs that make it, for a failure message.</summary>
    public IEnumerable<string> Explain(IReadOnlyCollection<string> component) =>
        from source in component
        where Edges.ContainsKey(source)
        from edge in Edges[source]
        where component.Contains(edge.Key)
        orderby source, edge.Key
        select $"- {source} → {edge.Key}: {string.Join(", ", edge.Value)}";

    private static TypeDefinitionHandle Outermost(MetadataReader reader, TypeDefinitionHandle handle)
    {
        while (true)
        {
            var declaring = reader.GetTypeDefinition(handle).GetDeclaringType();
            if (declaring.IsNil) return handle;
            handle = declaring;
        }
    }

    /// <summary>Collects the (namespace, type name) pairs one type uses; a signature decoder whose "types" are side effects.</summary>
    private sealed class Collector(MetadataReader reader) : ISignatureTypeProvider<int, object?>
    {
        public HashSet<(string Namespace, string Name)> Used { get; } = [];

        public void Type(TypeDefinitionHandle handle, PEReader pe)
        {
            var type = reader.GetTypeDefinition(handle);
            Entity(type.BaseType);
            foreach (var i in type.GetInterfaceImplementations()) Entity(reader.GetInterfaceImplementation(i).Interface);
            GenericParameters(type.GetGenericParameters());
            Attributes(type.GetCustomAttributes());
            foreach (var f in type.GetFields())
            {
                var field = reader.GetFieldDefinition(f);
                field.DecodeSignature(this, null);
                Attributes(field.GetCustomAttributes());
            }
            foreach (var p in type.GetProperties())
            {
                var property = reader.GetPropertyDefinition(p);
                property.DecodeSignature(this, null);
                Attributes(property.GetCustomAttributes());
            }
            foreach (var e in type.GetEvents()) Entity(reader.GetEventDefinition(e).Type);
            foreach (var m in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(m);
                method.DecodeSignature(this, null);
                GenericParameters(method.GetGenericParameters());
                Attributes(method.GetCustomAttributes());
                foreach (var p in method.GetParameters()) Attributes(reader.GetParameter(p).GetCustomAttributes());
                if (method.RelativeVirtualAddress != 0) Body(pe.GetMethodBody(method.RelativeVirtualAddress));
            }
        }

        private void GenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (var g in parameters)
                foreach (var c in reader.GetGenericParameter(g).GetConstraints())
                    Entity(reader.GetGenericParameterConstraint(c).Type);
        }

        private void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var a in attributes) Entity(reader.GetCustomAttribute(a).Constructor);
        }

        private void Body(MethodBodyBlock body)
        {
            if (!body.LocalSignature.IsNil)
                reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(this, null);
            foreach (var region in body.ExceptionRegions) Entity(region.CatchType);
            var il = body.GetILReader();
            while (il.RemainingBytes > 0)
            {
                ushort code = il.ReadByte();
                if (code == 0xFE) code = (ushort)(0xFE00 | il.ReadByte());
                switch (Operands[code])
                {
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        il.Offset += 1;
                        break;
                    case OperandType.InlineVar:
                        il.Offset += 2;
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        il.Offset += 8;
                        break;
                    case OperandType.InlineSwitch:
                        var targets = il.ReadInt32(); // read before Offset, which `+=` would read first
                        il.Offset += 4 * targets;
                        break;
                    case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok
                        or OperandType.InlineType or OperandType.InlineSig:
                        Entity(MetadataTokens.EntityHandle(il.ReadInt32()));
                        break;
                    default: // InlineI, InlineBrTarget, InlineString, ShortInlineR
                        il.Offset += 4;
                        break;
                }
            }
        }

        private void Entity(EntityHandle handle)
        {
            if (handle.IsNil) return;
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    GetTypeFromDefinition(reader, (TypeDefinitionHandle)handle, 0);
                    break;
                case HandleKind.TypeReference:
                    GetTypeFromReference(reader, (TypeReferenceHandle)handle, 0);
                    break;
                case HandleKind.TypeSpecification:
                    GetTypeFromSpecification(reader, null, (TypeSpecificationHandle)handle, 0);
                    break;
                case HandleKind.FieldDefinition:
                    Entity(reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.MethodDefinition:
                    Entity(reader.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.MemberReference:
                    Entity(reader.GetMemberReference((MemberReferenceHandle)handle).Parent);
                    break;
                case HandleKind.MethodSpecification:
                    var spec = reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                    Entity(spec.Method);
                    spec.DecodeSignature(this, null);
                    break;
                case HandleKind.StandaloneSignature:
                    var signature = reader.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                    if (signature.GetKind() == StandaloneSignatureKind.Method) signature.DecodeMethodSignature(this, null);
                    break;
            }
        }

        public int GetTypeFromDefinition(MetadataReader r, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var type = r.GetTypeDefinition(Outermost(r, handle));
            Used.Add((r.GetString(type.Namespace), r.GetString(type.Name)));
            return 0;
        }

        public int GetTypeFromReference(MetadataReader r, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var type = r.GetTypeReference(handle);
            while (type.ResolutionScope.Kind == HandleKind.TypeReference) type = r.GetTypeReference((TypeReferenceHandle)type.ResolutionScope);
            Used.Add((r.GetString(type.Namespace), r.GetString(type.Name)));
            return 0;
        }

        public int GetTypeFromSpecification(MetadataReader r, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            r.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public int GetArrayType(int elementType, ArrayShape shape) => 0;
        public int GetByReferenceType(int elementType) => 0;
        public int GetFunctionPointerType(MethodSignature<int> signature) => 0;
        public int GetGenericInstantiation(int genericType, ImmutableArray<int> typeArguments) => 0;
        public int GetGenericMethodParameter(object? genericContext, int index) => 0;
        public int GetGenericTypeParameter(object? genericContext, int index) => 0;
        public int GetModifiedType(int modifier, int unmodifiedType, bool isRequired) => 0;
        public int GetPinnedType(int elementType) => 0;
        public int GetPointerType(int elementType) => 0;
        public int GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;
        public int GetSZArrayType(int elementType) => 0;
    }
}
