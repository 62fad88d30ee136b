using System.Text;

namespace Ddia.Verify.History.Formats;

/// <summary>Opening history files, with the errors every reader gives for a missing one.</summary>
internal static class FormatIo
{
    public const int BufferSize = 1 << 16;

    public static StreamReader OpenText(string path)
    {
        try
        {
            return new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, BufferSize);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw NoSuchFile(path);
        }
    }

    public static byte[] ReadAllBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw NoSuchFile(path);
        }
    }

    public static HistoryFormatException NoSuchFile(string path) => new(path, 0, null, "no such file");

    /// <summary>A value as a short piece of EDN for messages.</summary>
    public static string Describe(Value value)
    {
        var text = value.ToString();
        return text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");
    }

    /// <summary>A piece of input text, shortened for messages.</summary>
    public static string Quote(ReadOnlySpan<char> text) =>
        text.Length <= 60 ? $"'{text}'" : $"'{text[..57]}...'";
}
