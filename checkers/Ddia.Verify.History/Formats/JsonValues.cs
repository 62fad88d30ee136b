using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace Ddia.Verify.History.Formats;

/// <summary>JSON values as <see cref="Value"/>s, shared by the JSON Lines and JSON array readers.</summary>
internal static class JsonValues
{
    /// <summary>
    /// The value at the reader's current token: objects become maps with string keys. Strings go
    /// through <paramref name="strings"/> so that repeated ones are shared.
    /// </summary>
    public static Value Read(ref Utf8JsonReader reader, StringPool strings)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null: return Value.Nil;
            case JsonTokenType.True: return Value.True;
            case JsonTokenType.False: return Value.False;
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var n) ? Value.Of(n) : Value.Of(reader.GetDouble());
            case JsonTokenType.String:
                return Value.Of(strings.Get(reader.ValueSpan, reader.ValueIsEscaped ? reader.GetString() : null));
            case JsonTokenType.StartArray:
            {
                var items = ImmutableArray.CreateBuilder<Value>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    items.Add(Read(ref reader, strings));
                return Value.List(items.DrainToImmutable());
            }
            case JsonTokenType.StartObject:
            {
                var entries = ImmutableArray.CreateBuilder<KeyValuePair<Value, Value>>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = Value.Of(reader.GetString()!);
                    reader.Read();
                    entries.Add(new(name, Read(ref reader, strings)));
                }
                return Value.Map(entries.DrainToImmutable());
            }
            default:
                throw new JsonException($"unexpected {reader.TokenType}");
        }
    }

    /// <summary>The current token as an error message shows it: a quoted string, a number, "an array".</summary>
    public static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => Quote(reader.GetString()!),
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.None => "nothing",
        _ => reader.TokenType.ToString(),
    };

    private static string Quote(string s) => s.Length <= 60 ? $"\"{s}\"" : $"\"{s.AsSpan(0, 57)}...\"";
}
