namespace Ddia.Verify.SystemBench;

/// <summary>Where the ddia-node program is, for every mode of the benchmark.</summary>
internal static class NodeBinary
{
    /// <summary>DDIA_NODE_PROGRAM, or the Release build of ddia-node beside the sources (walking up to the folder holding
    /// Ddia.Verify.sln).</summary>
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable("DDIA_NODE_PROGRAM") is { Length: > 0 } set)
            return File.Exists(set) ? Path.GetFullPath(set) : throw new FileNotFoundException($"DDIA_NODE_PROGRAM={set} does not exist");
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ddia.Verify.sln"))) dir = dir.Parent;
        if (dir is null) throw new FileNotFoundException($"no Ddia.Verify.sln above {AppContext.BaseDirectory}; set DDIA_NODE_PROGRAM");
        var dll = Path.Combine(dir.FullName, "systems", "Ddia.Verify.Node", "bin", "Release", "net10.0", "ddia-node.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing: dotnet build systems/Ddia.Verify.Node -c Release");
    }
}
