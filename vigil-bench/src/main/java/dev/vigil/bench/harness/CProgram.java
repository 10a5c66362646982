package dev.vigil.bench.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A peer that is a C reference program ({@code vigil-bench/src/main/c/}), run as a
 * subprocess for each measurement. The program times itself and prints one line holding
 * {@code FIELD=N}, so process start-up is not counted. Its command line is {@code arguments}
 * of the trial, then, if the placement pins, the initiator's and the responder's CPU (every
 * program that pins takes them last and pins its own threads).
 *
 * <p>{@code ./vigil bench} compiles every program into {@code vigil-bench/target/}, next to
 * the benchmark jar, before it starts; {@link #compiled} finds them there.
 *
 * @param name      the peer's name
 * @param binary    the compiled program
 * @param field     the name of the figure it prints: {@code ns_per_round_trip}
 * @param arguments its arguments for one trial, before the CPUs
 * @param <S>       the suite's setting type
 */
public record CProgram<S>(String name, Path binary, String field, Function<Trial<S>, List<String>> arguments)
        implements Peer<S> {

    /**
     * A round-trip program: {@code PROGRAM TRIPS WARMUP [CPU CPU]}, printing
     * {@code ns_per_round_trip=N}.
     */
    public static <S> CProgram<S> roundTrips(String name, String program) {
        return new CProgram<>(name, compiled(program), "ns_per_round_trip",
                t -> List.of(Long.toString(t.trips()), Long.toString(t.warmup())));
    }

    /**
     * The compiled program called {@code program}, in the directory that holds the benchmark
     * classes' jar (or {@code classes} directory): {@code vigil-bench/target/}.
     *
     * @throws IllegalStateException if it is not there
     */
    public static Path compiled(String program) {
        Path directory;
        try {
            directory = Path.of(CProgram.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Path binary = directory.resolve(program);
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " is missing: ./vigil bench compiles it from vigil-bench/src/main/c/"
                    + program + ".c");
        }
        return binary;
    }

    @Override
    public double measure(Trial<S> trial) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(arguments.apply(trial));
        if (trial.placement().pins()) {
            command.add(Integer.toString(trial.placement().initiatorCpu()));
            command.add(Integer.toString(trial.placement().responderCpu()));
        }
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                lines.add(line);
            }
        }
        int status = process.waitFor();
        Pattern result = Pattern.compile(Pattern.quote(field) + "=([0-9.]+)");
        for (String line : lines) {
            Matcher m = result.matcher(line);
            if (m.find() && status == 0) {
                return Double.parseDouble(m.group(1));
            }
        }
        throw new IOException(String.join(" ", command) + " exited with status " + status + " and printed " + lines);
    }
}
