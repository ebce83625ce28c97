package io.microsettle.infra;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** What every command of the {@code microsettle} command line shares: its help option and its usage errors. */
public final class CommandLines {
    /** The exit code of a command given bad arguments. */
    public static final int USAGE_ERROR = CommandLine.ExitCode.USAGE;

    private CommandLines() {}

    /** {@code -h, --help} on every command. */
    public static final class HelpOption {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Shows this help and exits.")
        boolean help;
    }

    /** Prints the message and the command's usage on stderr; returns the usage exit code. */
    public static int usageError(CommandSpec spec, String message) {
        CommandLine cl = spec.commandLine();
        cl.getErr().println(message);
        cl.usage(cl.getErr());
        cl.getErr().flush();
        return USAGE_ERROR;
    }
}
