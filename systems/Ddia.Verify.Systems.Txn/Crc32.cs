namespace Ddia.Verify.Systems.Txn;

/// <summary>CRC-32 (IEEE, reflected polynomial 0xEDB88320) over a span; the checksum of each log record, so a torn or
/// bit-flipped record is told from a good one. Table-driven: simple and fast enough for a record per commit.</summary>
internal static class Crc32
{
    private static readonly uint[] Lookup = MakeLookup();

    public static uint Of(ReadOnlySpan<byte> bytes)
    {
        var crc = uint.MaxValue;
        for (var i = 0; i < bytes.Length; i++) crc = (crc >> 8) ^ Lookup[(byte)(crc ^ bytes[i])];
        return ~crc;
    }

    private static uint[] MakeLookup()
    {
        var lookup = new uint[256];
        for (var i = 0u; i < lookup.Length; i++)
        {
            var c = i;
            for (var bit = 0; bit < 8; bit++) c = (c & 1) == 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
            lookup[i] = c;
        }
        return lookup;
    }
}
