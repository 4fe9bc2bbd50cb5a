package dev.lore.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Where a stretch of work spent its CPU: this JVM's threads grouped by name (numbers dropped) and PostgreSQL's
 * processes together (live processes' own time plus what the postmaster collected from exited ones), from Linux's
 * /proc. Tells which part of a pipeline eats the cores the embedder would otherwise have.
 */
final class CpuAccounting {

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private final Map<Long, Long> threadStart = new LinkedHashMap<>();
    private final Map<Long, String> threadNames = new LinkedHashMap<>();
    private final double postgresStart;
    private final long processStart = processNanos();
    private final long compileStart = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    private final long gcStart = gcMillis();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    CpuAccounting() {
        snapshotThreads(threadStart);
        postgresStart = postgresSeconds();
    }

    /** CPU seconds per thread group and for PostgreSQL since this was created. */
    Map<String, Double> since() {
        Map<Long, Long> now = new LinkedHashMap<>();
        snapshotThreads(now);
        Map<String, Double> groups = new TreeMap<>();
        now.forEach((id, nanos) -> {
            double seconds = (nanos - threadStart.getOrDefault(id, 0L)) / 1e9;
            String group = threadNames.get(id).replaceAll("[-#]?\\d+$", "").replaceAll("\\d+", "N");
            groups.merge("jvm:" + group, seconds, Double::sum);
        });
        double threadsTotal = groups.values().stream().mapToDouble(Double::doubleValue).sum();
        groups.values().removeIf(seconds -> seconds < 0.5);
        Map<String, Double> result = new LinkedHashMap<>();
        groups.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> result.put(e.getKey(), Math.round(e.getValue() * 10) / 10.0));
        // what no Java thread accounts for: the garbage collector's and the JIT compiler's native threads
        result.put("jvm:gc+jit+other", Math.round(((processNanos() - processStart) / 1e9 - threadsTotal) * 10) / 10.0);
        result.put("jvm:jit-compile-ms", (double) (ManagementFactory.getCompilationMXBean().getTotalCompilationTime()
                - compileStart));
        result.put("jvm:gc-ms", (double) (gcMillis() - gcStart));
        result.put("postgres", Math.round((postgresSeconds() - postgresStart) * 10) / 10.0);
        return result;
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionTime()))
                .sum();
    }

    private static long processNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private void snapshotThreads(Map<Long, Long> into) {
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                long cpu = threads.getThreadCpuTime(info.getThreadId());
                if (cpu >= 0) {
                    into.put(info.getThreadId(), cpu);
                    threadNames.putIfAbsent(info.getThreadId(), info.getThreadName());
                }
            }
        }
    }

    private static double postgresSeconds() {
        double ticks = 0;
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String stat = Files.readString(process.resolve("stat"));
                    String command = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (!command.startsWith("postgres")) {
                        continue;
                    }
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // fields from "state": utime is the 12th, stime 13th, cutime 14th, cstime 15th (0-based 11..14)
                    ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    if (fields[1].equals("1") || !Files.exists(Path.of("/proc", fields[1], "stat"))
                            || !Files.readString(Path.of("/proc", fields[1], "stat")).contains("(postgres")) {
                        ticks += Long.parseLong(fields[13]) + Long.parseLong(fields[14]); // the postmaster's reaped children
                    }
                }
                catch (IOException | RuntimeException gone) {
                    // the process ended while being read
                }
            }
        }
        catch (IOException e) {
            return 0;
        }
        return ticks / TICKS_PER_SECOND;
    }
}
