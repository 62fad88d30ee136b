namespace Ddia.Verify.Systems.Replication;

/// <summary>Removed when the first real type lands.</summary>
internal static class Placeholder;
