#!/usr/bin/env bash
# Side-by-side comparisons, interleaved in one run. See docs/BENCHMARKS.md.
#
#   vigil-bench/compare.sh [event] [--rounds N] [--trips N] [--warmup N] [--placements cross,same]
#       thread ping-pong: vigil Event vs the C reference (two eventfds), LockSupport
#       park/unpark, two Semaphores, and two Pipes with Selectors
#   vigil-bench/compare.sh waitcontext [--sizes 1,1000,10000] [--rounds N] [--iterations N] [--warmup N]
#       one ready descriptor among N: vigil WaitContext vs C epoll_wait vs JDK Selector
#   vigil-bench/compare.sh tube [--fds 0,1] [--placements cross,same] [--rounds N] [--trips N] [--warmup N] [--peers seqpacket,ffm,...]
#       64-byte message ping-pong, with and without one descriptor: vigil Tube vs C socketpair(SOCK_SEQPACKET)
#   vigil-bench/compare.sh processes [--placements cross,same] [--rounds N] [--trips N] [--warmup N] [--diagnostic true]
#       Event round trip between two processes: vigil (child JVM, Events passed over a Tube) vs C (fork)
#   vigil-bench/compare.sh wake [--placements cross,same] [--rounds N] [--trips N] [--warmup N] [--peers vigil,netty,...]
#       wake a waiting virtual thread (ping-pong): vigil Event.await() vs JDK Socket/SocketChannel reads
#       (the JDK poller) vs Netty 4.2 EpollIoHandler with a registered eventfd vs C eventfd
#   vigil-bench/compare.sh dispatch [--k 1000] [--laps 300] [--placements cross,same] [--rounds N]
#                                   [--diagnostic true] [--raw-producer true] [--peers vigil,netty]
#       K eventfds signalled round robin, consumed through a reactor: vigil Reactor vs Netty EpollIoHandler
#
# 1. Finds a JDK 25 or newer: $JAVA_HOME if it is one, else the newest under /usr/lib/jvm.
# 2. Builds vigil-core and vigil-bench with Maven on that JDK if vigil-bench/target/vigil-bench.jar
#    is missing or older than a pom or source file.
# 3. Compiles the suite's C reference (vigil-bench/src/main/c/) into vigil-bench/target/.
# 4. Runs the suite's harness; it prints one line per round, then the tables.
set -euo pipefail

bench=$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")
root=$(dirname -- "$bench")
jar="$bench/target/vigil-bench.jar"

suite=event
case "${1:-}" in
    event|waitcontext|tube|processes|wake|dispatch) suite=$1; shift ;;
esac
case "$suite" in
    event) csrc=eventfd_pingpong; main=dev.vigil.bench.Compare ;;
    waitcontext) csrc=epoll_ready; main=dev.vigil.bench.WaitCompare ;;
    tube) csrc=seqpacket_pingpong; main=dev.vigil.bench.TubeCompare ;;
    processes) csrc=eventfd_fork_pingpong; main=dev.vigil.bench.ProcessCompare ;;
    wake) csrc=eventfd_pingpong; main=dev.vigil.bench.WakeCompare ;;
    dispatch) csrc=; main=dev.vigil.bench.DispatchCompare ;;
esac
cbin="$bench/target/$csrc"
# The wake suite pins the one carrier of virtual threads.
jvmopts=()
[[ "$suite" == wake ]] && jvmopts+=(-Djdk.virtualThreadScheduler.parallelism=1)

die() {
    printf 'compare.sh: %s\n' "$*" >&2
    exit 1
}

# The feature release of the JDK at $1 (17, 25, ...; 8 for 1.8), from its release file.
jdk_major() {
    local version
    version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release" 2>/dev/null) || true
    version=${version#1.}
    printf '%s\n' "${version%%[!0-9]*}"
}

find_jdk() {
    local home major best="" best_major=0
    if [[ -n "${JAVA_HOME:-}" ]] && major=$(jdk_major "$JAVA_HOME") && ((${major:-0} >= 25)); then
        printf '%s\n' "$JAVA_HOME"
        return
    fi
    for home in /usr/lib/jvm/*/; do
        home=${home%/}
        major=$(jdk_major "$home")
        if [[ -x "$home/bin/java" ]] && ((${major:-0} >= 25 && ${major:-0} > best_major)); then
            best=$home
            best_major=$major
        fi
    done
    printf '%s\n' "$best"
}

jdk=$(find_jdk)
[[ -n "$jdk" ]] || die "needs a JDK 25 or newer; none in JAVA_HOME or under /usr/lib/jvm"

stale=$(find "$root/pom.xml" "$root/vigil-core/pom.xml" "$root/vigil-core/src/main" \
    "$bench/pom.xml" "$bench/src/main/java" -newer "$jar" -print -quit 2>/dev/null || echo missing)
if [[ ! -f "$jar" || -n "$stale" ]]; then
    echo "compare.sh: building vigil-core and vigil-bench" >&2
    # Maven runs on the JDK 25 too: some plugins read Java 25 class files in-process.
    (
        cd "$root"
        export JAVA_HOME="$jdk"
        export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
        mvn -B -q -pl vigil-core,vigil-bench -am package -Dmaven.test.skip=true
    ) >&2 || die "build failed; see the messages above"
fi

if [[ -z "$csrc" ]]; then
    exec "$jdk/bin/java" --enable-native-access=ALL-UNNAMED "${jvmopts[@]}" -cp "$jar" "$main" "$@"
fi
command -v gcc >/dev/null || die "needs gcc to compile the C reference"
gcc -O2 -Wall -pthread -o "$cbin" "$bench/src/main/c/$csrc.c"

exec "$jdk/bin/java" --enable-native-access=ALL-UNNAMED "${jvmopts[@]}" -cp "$jar" "$main" --c-binary "$cbin" "$@"
