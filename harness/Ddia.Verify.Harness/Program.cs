using System.CommandLine;
using Ddia.Verify.Harness.Cli;

return Commands.Run(args);
