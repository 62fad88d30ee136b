using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Ddia.Verify.Systems.Raft;
using Ddia.Verify.Systems.Raft.StateMachine;

namespace Ddia.Verify.Node;

/// <summary>
/// The wire format of the peer protocol. A frame is a 4-byte big-endian payload length followed by that many bytes
/// of UTF-8 JSON: one <see cref="RaftMessage"/>, tagged by a <c>"$type"</c> property that comes first
/// (<c>RequestVote</c>, <c>VoteReply</c>, <c>AppendEntries</c>, <c>AppendEntriesReply</c>), the other properties
/// being the record's, camelCased. Commands inside log entries are tagged the same way (<c>Noop</c>, <c>KvRead</c>,
/// <c>KvWrite</c>, <c>KvCas</c>, <c>AcquireLock</c>, <c>ReleaseLock</c>, <c>FencedWrite</c>). Example:
/// <c>{"$type":"VoteReply","from":2,"to":1,"term":3,"granted":true,"preVote":false}</c>.
/// </summary>
internal static class PeerCodec
{
    /// <summary>Frames larger than this are refused (the reader closes the connection).</summary>
    public const int MaxFrameLength = 64 << 20;

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { AddDiscriminators } },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static byte[] Encode(RaftMessage message)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(message, Options);
        var frame = new byte[4 + json.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, json.Length);
        json.CopyTo(frame, 4);
        return frame;
    }

    public static RaftMessage Decode(ReadOnlySpan<byte> payload) =>
        JsonSerializer.Deserialize<RaftMessage>(payload, Options) ?? throw new JsonException("null message");

    private static void AddDiscriminators(JsonTypeInfo info)
    {
        if (info.Type == typeof(RaftMessage))
        {
            info.PolymorphismOptions = Polymorphism(
                typeof(RequestVote), typeof(VoteReply), typeof(AppendEntries), typeof(AppendEntriesReply));
        }
        else if (info.Type == typeof(Command))
        {
            info.PolymorphismOptions = Polymorphism(
                typeof(Noop), typeof(KvRead), typeof(KvWrite), typeof(KvCas), typeof(AcquireLock), typeof(ReleaseLock),
                typeof(FencedWrite));
        }
    }

    private static JsonPolymorphismOptions Polymorphism(params Type[] types)
    {
        var options = new JsonPolymorphismOptions
        {
            TypeDiscriminatorPropertyName = "$type",
            UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization,
        };
        foreach (var t in types) options.DerivedTypes.Add(new JsonDerivedType(t, t.Name));
        return options;
    }
}
